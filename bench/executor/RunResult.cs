using System.Globalization;

/// <summary>One whole run of the batch comparison: its rates, the load average it ran under and the CPU split per job.</summary>
internal sealed record RunResult(
    int Run, double BareRate, double LeanBareRate, double SandboxAloneRate, double ColdRate, double WarmRate, int ColdOk, int WarmOk,
    string LoadAtStart, string LoadAtEnd, CpuSplit BareCpu, CpuSplit SandboxAloneCpu, CpuSplit ColdCpu, CpuSplit WarmCpu, double BareSeconds, double ColdSeconds, double WarmSeconds)
{
    public double ColdRatio => ColdRate / BareRate;

    public double WarmRatio => WarmRate / BareRate;

    /// <summary>The run's ratios beside its load average, and where each mode's CPU went per job.</summary>
    public void Print(int jobs)
    {
        static string Ms(double seconds) => (seconds * 1000).ToString("0.00", CultureInfo.InvariantCulture).PadLeft(7);
        Console.WriteLine($"run {Run}: load {LoadAtStart} -> {LoadAtEnd}; bare {BareRate:0.0} jobs/s; cold {ColdRate:0.0} jobs/s = {ColdRatio:0.00}x bare (>= 0.75x: {(ColdRatio >= 0.75 ? "met" : "NOT met")}); warm {WarmRate:0.0} jobs/s = {WarmRatio:0.00}x bare (>= 3x: {(WarmRatio >= 3 ? "met" : "NOT met")}); {ColdOk + WarmOk}/{2 * jobs} batch jobs succeeded");
        Console.WriteLine("  CPU ms per job | this process (Executor) | started processes (python) | Postgres | RabbitMQ |   total | wall ms per job x cores");
        foreach (var (name, cpu, rate) in new[] { ("bare", BareCpu, BareRate), ("sandbox alone", SandboxAloneCpu, SandboxAloneRate), ("cold", ColdCpu, ColdRate), ("warm", WarmCpu, WarmRate) })
        {
            Console.WriteLine($"  {name,-14} | {Ms(cpu.Own),23} | {Ms(cpu.Children),26} | {Ms(cpu.Postgres),8} | {Ms(cpu.RabbitMq),8} | {Ms(cpu.Total)} | {Ms(Environment.ProcessorCount / rate)}");
        }
    }
}
