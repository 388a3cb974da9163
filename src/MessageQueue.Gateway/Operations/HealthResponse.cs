using System.Text.Json;
using MessageQueue.Gateway.ScaleOut;
using Microsoft.Extensions.Diagnostics.HealthChecks;

namespace MessageQueue.Gateway.Operations;

/// <summary>
/// The health endpoints' body: the overall status and each check's, e.g.
/// <c>{"status":"Unhealthy","instance":"host-1a2b","checks":{"store":{"status":"Healthy","description":"...","durationMs":0.4},"smtp":{...}}}</c>.
/// </summary>
internal static class HealthResponse
{
    public static async Task WriteAsync(HttpContext context, HealthReport report)
    {
        context.Response.ContentType = "application/json; charset=utf-8";
        await using var json = new Utf8JsonWriter(context.Response.Body);
        json.WriteStartObject();
        json.WriteString("status", report.Status.ToString());
        json.WriteString("instance", context.RequestServices.GetRequiredService<ThisInstance>().Name);
        json.WriteNumber("durationMs", Math.Round(report.TotalDuration.TotalMilliseconds, 1));
        json.WriteStartObject("checks");
        foreach (var (name, entry) in report.Entries)
        {
            json.WriteStartObject(name);
            json.WriteString("status", entry.Status.ToString());
            if (entry.Description is { } description)
                json.WriteString("description", description);
            else if (entry.Exception is { } exception)
                json.WriteString("description", exception.GetType().Name); // anonymous: the message may name paths or hosts (the log has it)
            json.WriteNumber("durationMs", Math.Round(entry.Duration.TotalMilliseconds, 1));
            json.WriteEndObject();
        }
        json.WriteEndObject();
        json.WriteEndObject();
        await json.FlushAsync(context.RequestAborted);
    }
}
