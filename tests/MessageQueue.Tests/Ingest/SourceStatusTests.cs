using System.Net;
using System.Text.Json;
using MessageQueue.Gateway.Realtime;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using static MessageQueue.Tests.Ingest.IngestAssert;

namespace MessageQueue.Tests.Ingest;

/// <summary>A source's state shows in /health/ready (degraded while a sub source reaches no publisher) and in the overview with its message rate.</summary>
public sealed class SourceStatusTests
{
    [Fact]
    public async Task APublisherRestartedMidStreamDegradesReadinessMeanwhileAndIsReadAgain()
    {
        var publisher = await PythonFeeder.PublisherAsync();
        var endpoint = publisher.Endpoint;
        var source = NewSourceName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "sub"), ("Endpoint", endpoint)));
        using var http = gateway.CreateClient();
        var subject = await ApiAssert.NewSubjectAsync(http);
        await JoinAsync(publisher, http, subject, topic: subject);
        await publisher.SendAsync(subject, "before the restart");
        Assert.Equal((HttpStatusCode.OK, "Healthy"), Strip(await IngestHealthAsync(http)));

        await publisher.DisposeAsync(); // killed: its connection drops
        await Poll.UntilAsync(async () => (await IngestHealthAsync(http)).Status == "Degraded", () => "Readiness did not notice the publisher had gone.");
        var (code, _, description) = await IngestHealthAsync(http);
        Assert.Equal(HttpStatusCode.OK, code); // degraded, not down: the gateway's own doors work
        Assert.Contains(source, description, StringComparison.Ordinal);

        await using var restarted = await PythonFeeder.PublisherAsync(endpoint);
        await JoinAsync(restarted, http, subject, topic: subject); // ZeroMQ reconnects by itself
        await restarted.SendAsync(subject, "after the restart");
        await Poll.UntilAsync(async () => (await HistoryAsync(http, subject)).Texts().Contains("after the restart"), () => "The restarted publisher's message was not stored.");
        Assert.Equal(["before the restart", "after the restart"], (await HistoryAsync(http, subject)).Texts());
        await Poll.UntilAsync(async () => (await IngestHealthAsync(http)).Status == "Healthy", () => "Readiness stayed degraded after the publisher came back.");
    }

    [Fact]
    public async Task TheOverviewShowsEachSourceWithItsPeersAndRates()
    {
        var source = NewSourceName();
        var subject = ApiAssert.NewSubjectName();
        using var gateway = new GatewayFactory(null, Source(0, ("Name", source), ("Kind", "pull"), ("Endpoint", "tcp://127.0.0.1:0"),
            ("Subject", subject), ("CreateSubjects", "true")).With("Hub:OverviewIntervalMilliseconds", "200"));
        using var http = gateway.CreateClient();
        await using var pusher = await PythonFeeder.PusherAsync(PullEndpoint(gateway, source));
        await using var watcher = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await watcher.Connection.InvokeAsync<Overview>("WatchOverview");

        await pusher.SendSeriesAsync(5, "m-");
        await pusher.SendAsync("a", "b", "c"); // three frames: dropped

        var shown = await NextSourceAsync(watcher, source, s => s.StoredLastMinute == 5 && s.DroppedLastMinute == 1);
        Assert.Equal(("pull", "reading", 1), (shown.Kind, shown.State, shown.Peers));
        Assert.Equal(PullEndpoint(gateway, source), shown.Endpoints);
        Assert.NotNull(shown.LastMessageAt);

        await pusher.DisposeAsync();
        Assert.Equal(0, (await NextSourceAsync(watcher, source, s => s.Peers == 0)).Peers);
    }

    private static async Task<Gateway.Ingest.IngestSourceStatus> NextSourceAsync(HubPeer watcher, string source, Func<Gateway.Ingest.IngestSourceStatus, bool> wanted)
    {
        while (true)
        {
            var overview = await watcher.NextOverviewAsync(); // times out if the wanted state never comes
            var shown = overview.Instances.Single(i => i.IsThis).Sources.Single(s => s.Name == source);
            if (wanted(shown))
                return shown;
        }
    }

    private static (HttpStatusCode, string?) Strip((HttpStatusCode Code, string? Status, string Description) health) => (health.Code, health.Status);

    private static async Task<(HttpStatusCode Code, string? Status, string Description)> IngestHealthAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/health/ready");
        var check = JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.GetProperty("checks").GetProperty("ingest");
        return (response.StatusCode, check.GetProperty("status").GetString(), check.GetProperty("description").GetString() ?? "");
    }
}
