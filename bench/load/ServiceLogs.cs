using System.Net.Http.Json;
using System.Text.Json;

namespace ScriptPlatform.Bench.Load;

/// <summary>One log record a service wrote at Warning or above, as the dashboard holds it.</summary>
public sealed record ServiceLogRecord(string Service, DateTimeOffset At, string Severity, string Body);

/// <summary>
/// What the services logged at Warning or above, read from the Aspire dashboard's telemetry API
/// (<c>/api/telemetry/logs?severity=Warning</c>, the OTLP logs every service exports): a call can
/// succeed for the client while the service behind it retried, timed out a dependency or dropped
/// an event, and only its log says so.
/// </summary>
public static class ServiceLogs
{
    public static async Task<List<ServiceLogRecord>> WarningsSinceAsync(Uri dashboard, DateTimeOffset since, CancellationToken ct)
    {
        using var http = new HttpClient { BaseAddress = dashboard };
        // No logs at all would make "no warnings" meaningless (the export or the API not working).
        var any = await http.GetFromJsonAsync<JsonElement>("/api/telemetry/logs?limit=1", ct);
        if (any.GetProperty("totalCount").GetInt32() == 0)
        {
            throw new InvalidOperationException("the dashboard holds no log records of the services: their warnings cannot be checked");
        }

        var response = await http.GetFromJsonAsync<JsonElement>("/api/telemetry/logs?severity=Warning&limit=10000", ct);
        var records = new List<ServiceLogRecord>();
        foreach (var resourceLogs in response.GetProperty("data").GetProperty("resourceLogs").EnumerateArray())
        {
            var service = resourceLogs.GetProperty("resource").GetProperty("attributes").EnumerateArray()
                .FirstOrDefault(a => a.GetProperty("key").GetString() == "service.name") is { ValueKind: JsonValueKind.Object } name
                ? name.GetProperty("value").GetProperty("stringValue").GetString() ?? "?"
                : "?";
            foreach (var record in resourceLogs.GetProperty("scopeLogs").EnumerateArray().SelectMany(s => s.GetProperty("logRecords").EnumerateArray()))
            {
                var at = DateTimeOffset.UnixEpoch.AddTicks(long.Parse(record.GetProperty("timeUnixNano").GetString()!, System.Globalization.CultureInfo.InvariantCulture) / 100);
                if (at >= since)
                {
                    var body = record.TryGetProperty("body", out var b) && b.TryGetProperty("stringValue", out var text) ? text.GetString() ?? "" : "";
                    records.Add(new ServiceLogRecord(service, at, record.TryGetProperty("severityText", out var s) ? s.GetString() ?? "" : "", body));
                }
            }
        }

        return [.. records.OrderBy(r => r.At)];
    }
}
