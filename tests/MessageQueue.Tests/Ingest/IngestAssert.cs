using System.Text.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Gateway.Ingest;
using MessageQueue.Tests.Infrastructure;
using MessageQueue.Tests.Operations;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Ingest;

/// <summary>Settings for ingest sources, and what a test reads back: history, the drop counts on /metrics, the bound pull endpoint.</summary>
internal static class IngestAssert
{
    /// <summary>A source name of its own, so its counters are the test's alone (every gateway in this process feeds every /metrics).</summary>
    public static string NewSourceName() => "s" + Guid.NewGuid().ToString("N")[..10];

    /// <summary>Settings of source <paramref name="index"/>: <c>Ingest:Sources:index:Key</c> = value.</summary>
    public static Dictionary<string, string?> Source(int index, params (string Key, string Value)[] settings) =>
        settings.ToDictionary(s => $"Ingest:Sources:{index}:{s.Key}", s => (string?)s.Value);

    public static Dictionary<string, string?> With(this Dictionary<string, string?> settings, string key, string value)
    {
        settings[key] = value;
        return settings;
    }

    private static readonly System.Text.Json.JsonSerializerOptions ApiJsonOptions = new(System.Text.Json.JsonSerializerDefaults.Web);

    /// <summary>Where a pull source bound (its configured port 0 resolved).</summary>
    public static string PullEndpoint(GatewayFactory gateway, string source) =>
        gateway.Services.GetRequiredService<IngestService>().Endpoints[source];

    /// <summary>Every stored update of <paramref name="subject"/>, oldest first; none while it does not exist.</summary>
    public static async Task<List<UpdateResource>> HistoryAsync(HttpClient http, string subject)
    {
        var updates = new List<UpdateResource>();
        while (true)
        {
            var after = updates.Count == 0 ? 0 : updates[^1].Sequence;
            using var response = await http.GetAsync($"/api/subjects/{subject}/updates?after={after}&limit=1000");
            if (response.StatusCode == System.Net.HttpStatusCode.NotFound)
                return updates;
            var page = (await ApiAssert.Json(response, System.Net.HttpStatusCode.OK)).Deserialize<HistoryPageResource>(ApiJsonOptions)!;
            updates.AddRange(page.Updates);
            if (page.Updates.Count == 0 || updates[^1].Sequence >= page.LastSequence)
                return updates;
        }
    }

    /// <summary>Messages of <paramref name="source"/> counted with that outcome (and reason) on /metrics.</summary>
    public static async Task<double> CountAsync(HttpClient http, string source, string outcome, string? reason = null)
    {
        var text = await http.GetStringAsync("/metrics");
        (string, string)[] labels = reason is null ? [("source", source), ("outcome", outcome)] : [("source", source), ("outcome", outcome), ("reason", reason)];
        return PrometheusText.Value(text, "messagequeue_ingest_messages_total", labels);
    }

    /// <summary>Connections of sub source <paramref name="source"/> to its publishers that ended so (closed, unreachable, handshake_failed, violation), on /metrics.</summary>
    public static async Task<double> ConnectionsEndedAsync(HttpClient http, string source, string outcome) =>
        PrometheusText.Value(await http.GetStringAsync("/metrics"), "messagequeue_ingest_connections_total", ("source", source), ("outcome", outcome));

    /// <summary>The source as the overview and readiness see it.</summary>
    public static IngestSourceStatus Status(GatewayFactory gateway, string source) =>
        gateway.Services.GetRequiredService<IngestService>().Statuses().Single(s => s.Name == source);

    /// <summary>
    /// PUB/SUB slow joiner: publishes probes (after <paramref name="topic"/>, when given) until one of them is stored in
    /// <paramref name="subject"/>. Later probes may still arrive: their text starts with "probe-".
    /// </summary>
    public static async Task JoinAsync(PythonFeeder publisher, HttpClient http, string subject, string? topic, bool base64 = false)
    {
        var sent = new HashSet<string>(StringComparer.Ordinal);
        await Poll.UntilAsync(async () =>
        {
            var probe = $"probe-{Guid.NewGuid():N}";
            sent.Add(base64 ? Convert.ToBase64String(System.Text.Encoding.UTF8.GetBytes(probe)) : probe);
            await (topic is null ? publisher.SendAsync(probe) : publisher.SendAsync(topic, probe));
            return (await HistoryAsync(http, subject)).Any(u => sent.Contains(u.Text));
        }, () => $"No probe published to {subject} was stored: the sub source never joined.");
    }

    /// <summary>The stored texts that are not probes (this class's, or the legacy subscriber's join probes).</summary>
    public static List<string> Texts(this IEnumerable<UpdateResource> updates) =>
        updates.Select(u => u.Text).Where(t => !t.Contains("probe-", StringComparison.Ordinal)).ToList();
}
