using System.Globalization;

namespace ScriptPlatform.Bench.Load;

/// <summary>The bench's size: <c>--clients N --seconds S --scripts N --solo-seconds S</c>.</summary>
public sealed record LoadOptions(int Clients, int Seconds, int Scripts, int SoloSeconds)
{
    public static LoadOptions Parse(string[] args)
    {
        var options = new LoadOptions(Clients: 50, Seconds: 60, Scripts: 300, SoloSeconds: 5);
        for (var i = 0; i < args.Length; i++)
        {
            var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value");
            var number = int.Parse(value, CultureInfo.InvariantCulture);
            if (number <= 0)
            {
                throw new ArgumentException($"{args[i]} must be positive");
            }

            options = args[i] switch
            {
                "--clients" => options with { Clients = number },
                "--seconds" => options with { Seconds = number },
                "--scripts" => options with { Scripts = number },
                "--solo-seconds" => options with { SoloSeconds = number },
                _ => throw new ArgumentException($"unknown option {args[i]} (--clients, --seconds, --scripts, --solo-seconds)"),
            };
            i++;
        }

        return options;
    }
}
