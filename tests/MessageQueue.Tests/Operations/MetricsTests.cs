using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.Operations;

/// <summary>
/// OpenTelemetry's provider listens to meters by name, so every gateway in this process feeds every gateway's
/// /metrics: these tests run alone, after the parallel ones, to read only their own gateway's figures.
/// </summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class OneGatewayAtATime
{
    public const string Name = "Metrics, one gateway at a time";
}

/// <summary>/metrics shows the gateway's own instruments in Prometheus text, and they move with what happens.</summary>
[Collection(OneGatewayAtATime.Name)]
public sealed class MetricsTests
{
    private static readonly string[] Sinks = ["zmq-pub", "event-streams", "hub-groups"];
    private static readonly string[] Doors = ["zmq", "rest", "hub"];

    [Fact]
    public async Task UpdatesAreCountedPerDoorAndTheirFanOutIsTimedPerSink()
    {
        using var gateway = new GatewayFactory();
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        // A browser watches the subject: the SignalR groups' sink is woken only for a subject someone here has joined.
        await using var watcher = await HubPeer.ConnectAsync(gateway.HttpAddress);
        await watcher.SubscribeAsync(name);
        var before = await ScrapeAsync(http);

        using (var legacy = new LegacyPeer(gateway.Zmq.ReplyEndpoint))
            Assert.Equal("isSuccess", legacy.Request(new { type = "3", subject = name, updateMessage = "by zmq" }));
        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "by rest" }), HttpStatusCode.Created);
        await using (var hub = await HubPeer.ConnectAsync(gateway.HttpAddress))
            await hub.PostAsync(name, "by hub");
        await ApiAssert.Problem(await http.PostAsJsonAsync("/api/subjects/nobody-has-this/updates", new { text = "refused" }), HttpStatusCode.NotFound);

        // The fan-out is measured after the doors answered: wait until each sink has timed all three.
        string after = "";
        await Poll.UntilAsync(async () =>
            {
                after = await ScrapeAsync(http);
                return Sinks.All(sink =>
                    Delta(before, after, "messagequeue_fanout_duration_seconds_count", ("sink", sink)) == 3);
            },
            () => $"Not every sink timed the three updates:\n{after}");

        foreach (var door in Doors)
        {
            Assert.Equal(1, Delta(before, after, "messagequeue_updates_accepted_total", ("door", door)));
            Assert.Equal(1, Delta(before, after, "messagequeue_requests_total", ("door", door), ("outcome", "ok")));
        }
        Assert.Equal(1, Delta(before, after, "messagequeue_requests_total", ("door", "rest"), ("outcome", "refused")));
        Assert.Contains("messagequeue_fanout_duration_seconds_bucket{", after, StringComparison.Ordinal);

        // The store's hops: every update waited for the writer and was committed, in as many commits or fewer.
        var waited = Delta(before, after, "messagequeue_store_wait_seconds_count");
        var commits = Delta(before, after, "messagequeue_store_commit_duration_seconds_count");
        Assert.InRange(waited, 3, 10);
        Assert.InRange(commits, 1, waited);
        Assert.Equal(waited, Delta(before, after, "messagequeue_store_commit_changes_sum"));
        Assert.Contains("# TYPE messagequeue_fanout_duration_seconds histogram", after, StringComparison.Ordinal);

        // The runtime's and ASP.NET Core's own instruments come along.
        Assert.Contains("http_server_request_duration_seconds", after, StringComparison.Ordinal);
        Assert.Contains("dotnet_gc_collections", after, StringComparison.Ordinal);
    }

    [Fact]
    public async Task ConnectedBrowsersAndOpenEventStreamsAreGauged()
    {
        using var gateway = new GatewayFactory();
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        Assert.Equal(0, PrometheusText.Value(await ScrapeAsync(http), "messagequeue_browsers_connected"));

        await using (var browser = await HubPeer.ConnectAsync(gateway.HttpAddress))
        {
            await browser.SubscribeAsync(name);
            using var streamHttp = gateway.CreateClient();
            streamHttp.Timeout = Timeout.InfiniteTimeSpan;
            await using (await EventStreamClient.OpenAsync(streamHttp, $"/api/subjects/{name}/events"))
            {
                await Poll.UntilAsync(async () =>
                    {
                        var open = await ScrapeAsync(http);
                        return PrometheusText.Value(open, "messagequeue_browsers_connected") == 1
                            && PrometheusText.Value(open, "messagequeue_event_streams_open") == 1;
                    },
                    () => "The hub connection and the event stream were not both gauged.");
            }
        }

        await Poll.UntilAsync(async () =>
            {
                var closed = await ScrapeAsync(http);
                return PrometheusText.Value(closed, "messagequeue_browsers_connected") == 0
                    && PrometheusText.Value(closed, "messagequeue_event_streams_open") == 0;
            },
            () => "The closed connection or stream is still gauged.");
    }

    [Fact]
    public async Task OutboxDepthCountsPendingMailsAndFailedAttemptsAreCounted()
    {
        // Nothing listens on that port, and a retry waits an hour: the mails stay pending.
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?>(SmtpSink.GatewaySettings(SmtpSink.FreePort()))
        {
            ["Email:ConfirmSubscriptions"] = "false",
            ["Email:RetryBaseSeconds"] = "3600",
            ["Operations:OutboxCountCacheSeconds"] = "0",
        });
        using var http = gateway.CreateClient();
        var name = await ApiAssert.NewSubjectAsync(http);
        foreach (var email in (string[])["ann@example.com", "bob@example.com"])
            await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/subscriptions", new { email }), HttpStatusCode.Created);

        await ApiAssert.Json(await http.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "for two readers" }), HttpStatusCode.Created);

        var text = "";
        await Poll.UntilAsync(async () =>
            {
                text = await ScrapeAsync(http);
                return PrometheusText.Value(text, "messagequeue_outbox_depth") == 2
                    && PrometheusText.Value(text, "messagequeue_email_attempts_total", ("outcome", "retried")) == 2;
            },
            () => $"The two failed mails were not gauged as pending:\n{text}");
        Assert.Equal(0, PrometheusText.Value(text, "messagequeue_outbox_parked"));
        Assert.Equal(0, PrometheusText.Value(text, "messagequeue_email_attempts_total", ("outcome", "sent")));

        var outbox = await ApiAssert.Json(await http.GetAsync("/api/email/outbox"), HttpStatusCode.OK);
        Assert.Equal(2, outbox.GetProperty("pending").GetInt32()); // the gauge and the outbox API agree
    }

    [Fact]
    public async Task AScrapeNamesTheInstanceItCameFrom()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Instance:Name"] = "scraped-one" });
        using var http = gateway.CreateClient();
        var text = await ScrapeAsync(http);
        var target = text.Split('\n').Single(line => line.StartsWith("target_info{", StringComparison.Ordinal));
        Assert.Contains("service_instance_id=\"scraped-one\"", target, StringComparison.Ordinal);
        Assert.Contains("service_name=\"messagequeue\"", target, StringComparison.Ordinal);
    }

    private static async Task<string> ScrapeAsync(HttpClient http)
    {
        using var response = await http.GetAsync("/metrics");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        return await response.Content.ReadAsStringAsync();
    }

    private static double Delta(string before, string after, string name, params (string, string)[] labels) =>
        PrometheusText.Value(after, name, labels) - PrometheusText.Value(before, name, labels);
}
