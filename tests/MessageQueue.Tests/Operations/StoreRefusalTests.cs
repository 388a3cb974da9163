using System.Net;
using System.Net.Http.Json;
using System.Text.Json;
using MessageQueue.Tests.Infrastructure;
using Microsoft.Extensions.Configuration;
using Microsoft.Extensions.DependencyInjection;

namespace MessageQueue.Tests.Operations;

/// <summary>
/// A store that refuses writes, for real: SQLite's page cap (Store:MaxDatabaseBytes) lowered below the file's size
/// while the gateway runs, as a full disk would. Changes get 503, readiness fails naming the store, and once the cap
/// is lifted readiness recovers by itself (the idle writer's probe), then changes are taken again.
/// </summary>
public sealed class StoreRefusalTests
{
    [Fact]
    public async Task AStoreThatRefusesWritesFailsReadinessUntilAWriteSucceedsAgain()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Store:ProbeIntervalSeconds"] = "1" });
        using var http = new HttpClient { BaseAddress = gateway.HttpAddress };
        var text = new string('z', 30_000);
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/subjects/React/updates", new { text })).StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync("/health/ready")).StatusCode);

        SetSetting(gateway, "Store:MaxDatabaseBytes", "4096"); // below the file's size: no page may be added
        await Poll.UntilAsync(async () => (await http.PostAsJsonAsync("/api/subjects/React/updates", new { text })).StatusCode == HttpStatusCode.ServiceUnavailable,
            () => "Changes were still taken with the store capped below its size.");

        var refused = await ReadyAsync(http);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, refused.Status);
        Assert.Equal("Unhealthy", refused.Store.GetProperty("status").GetString());
        Assert.Contains("refuses writes", refused.Store.GetProperty("description").GetString(), StringComparison.Ordinal);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await http.PostAsJsonAsync("/api/subjects/React/updates", new { text })).StatusCode);
        Assert.Equal(HttpStatusCode.ServiceUnavailable, (await ReadyAsync(http)).Status);

        // The condition clears; no change is posted: the writer's probe finds out by itself.
        SetSetting(gateway, "Store:MaxDatabaseBytes", "0");
        await Poll.UntilAsync(async () => (await ReadyAsync(http)).Status == HttpStatusCode.OK, () => "Readiness did not recover once the store took writes again.");
        Assert.Equal(HttpStatusCode.Created, (await http.PostAsJsonAsync("/api/subjects/React/updates", new { text })).StatusCode);
        var metrics = await http.GetStringAsync("/metrics");
        Assert.True(PrometheusText.Value(metrics, "messagequeue_store_write_failures_total") >= 2);
    }

    /// <summary>Changes a setting of the running gateway, as an operator's edited configuration file would.</summary>
    private static void SetSetting(GatewayFactory gateway, string key, string value)
    {
        var configuration = (IConfigurationRoot)gateway.Services.GetRequiredService<IConfiguration>();
        configuration[key] = value;
        configuration.Reload();
    }

    private static async Task<(HttpStatusCode Status, JsonElement Store)> ReadyAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        var body = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement;
        return (response.StatusCode, body.GetProperty("checks").GetProperty("store").Clone());
    }
}
