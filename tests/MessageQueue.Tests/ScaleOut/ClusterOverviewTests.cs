using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Realtime;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using NetMQ.Sockets;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>The operations overview of gateways sharing one PostgreSQL store: the sum over every live instance, and the list of them.</summary>
public sealed class ClusterOverviewTests : IDisposable
{
    private readonly TempDirectory _database = new();
    private readonly List<GatewayFactory> _gateways = [];

    [Fact]
    public async Task TheOverviewOnOneInstanceSumsTheListenersAndUpdatesOfEveryLiveInstanceAndListsThem()
    {
        var a = Start("alpha");
        var b = Start("beta");
        using var httpB = b.CreateClient();
        httpB.Timeout = Timeout.InfiniteTimeSpan;
        var name = await ApiAssert.NewSubjectAsync(httpB);

        // A browser on A; an event stream and a ZeroMQ subscriber on B; the overview read on A.
        await using var watcher = await HubPeer.ConnectAsync(a.HttpAddress);
        await Poll.UntilAsync(async () => (await Overview(watcher)).Subjects.Any(s => s.Name == name), () => "A never heard of B's subject.");
        await watcher.SubscribeAsync(name);
        await using var stream = await EventStreamClient.OpenAsync(httpB, $"/api/subjects/{name}/events");
        using var subscriber = new SubscriberSocket();
        subscriber.Options.Linger = TimeSpan.Zero;
        subscriber.Connect(b.Zmq.PublishEndpoint);
        subscriber.Subscribe(name);
        for (var i = 0; i < 3; i++)
            Assert.Equal(HttpStatusCode.Created, (await httpB.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = $"on beta {i}" })).StatusCode);

        var overview = await Poll.ForAsync(() => Overview(watcher),
            o => o.Instances.Count == 2 && o.Instances[1].EventStreams == 1 && o.Instances[1].ZmqSubscribers == 1 && o.Instances[1].UpdatesLastMinute == 3,
            o => $"A's overview never showed B's listeners and updates: {string.Join(", ", o.Instances)}");
        Assert.Equal(["alpha", "beta"], overview.Instances.Select(i => i.Name));
        Assert.Equal([true, false], overview.Instances.Select(i => i.IsThis));
        Assert.Equal((1, 0, 0, 0), (overview.Instances[0].Browsers, overview.Instances[0].ZmqSubscribers, overview.Instances[0].EventStreams, overview.Instances[0].UpdatesLastMinute));
        Assert.Equal((1, 1, 1), (overview.Browsers, overview.ZmqSubscribers, overview.EventStreams));
        Assert.Equal(3, overview.UpdatesPerMinute[^1]);
        var subject = overview.Subjects.Single(s => s.Name == name);
        Assert.Equal((1, 1, 1), (subject.Browsers, subject.ZmqSubscribers, subject.EventStreams));
        var listed = (await watcher.Connection.InvokeAsync<SubjectPresence[]>("ListSubjects")).Single(s => s.Name == name);
        Assert.Equal((1, 1, 1), (listed.Browsers, listed.ZmqSubscribers, listed.EventStreams));

        // B stops cleanly: A's overview drops it at A's next heartbeat, and its listeners with it.
        await stream.DisposeAsync();
        subscriber.Dispose();
        b.Dispose();
        overview = await Poll.ForAsync(() => Overview(watcher), o => o.Instances.Count == 1,
            o => $"A still lists a stopped instance: {string.Join(", ", o.Instances)}");
        Assert.Equal((1, 0, 0), (overview.Browsers, overview.ZmqSubscribers, overview.EventStreams));
        Assert.Equal(0, overview.UpdatesPerMinute[^1]);
    }

    [Fact]
    public async Task AnInstanceWhoseReportLacksAFieldIsLeftOutNotTheOverview()
    {
        // As in a rolling upgrade, when a version whose report has other fields shares the store: JSON without a field
        // is no JsonException, it reads as null. Two rows beating an hour ahead: one of this version, one of another.
        var a = Start("alpha");
        await using var watcher = await HubPeer.ConnectAsync(a.HttpAddress);
        await using (var connection = new Npgsql.NpgsqlConnection(PostgreSqlServer.Shared.DatabaseFor(_database.Path)))
        {
            await connection.OpenAsync();
            await using var insert = new Npgsql.NpgsqlCommand("""
                INSERT INTO "Instances" ("Id", "Name", "StartedAt", "HeartbeatAt", "Report") VALUES
                ('same-version', 'beta', now(), now() + interval '1 hour', '{"Browsers": 2, "ZmqSubscribers": 0, "EventStreams": 0, "UpdatesPerMinute": [], "Subjects": {}}'),
                ('other-version', 'gamma', now(), now() + interval '1 hour', '{"Browsers": 4}')
                """, connection);
            await insert.ExecuteNonQueryAsync();
        }

        var overview = await Poll.ForAsync(() => Overview(watcher), o => o.Instances.Count > 1,
            o => $"alpha never read the rows: {string.Join(", ", o.Instances)}");
        Assert.Equal(["alpha", "beta"], overview.Instances.Select(i => i.Name));
        Assert.Equal(3, overview.Browsers);
    }

    [Fact]
    public async Task OnSqliteTheOverviewListsThisInstanceAlone()
    {
        using var gateway = new GatewayFactory(null, new Dictionary<string, string?> { ["Instance:Name"] = "solo" });
        await using var watcher = await HubPeer.ConnectAsync(gateway.HttpAddress);
        var overview = await Overview(watcher);
        var only = Assert.Single(overview.Instances);
        Assert.Equal(("solo", true, 1), (only.Name, only.IsThis, only.Browsers));
    }

    public void Dispose()
    {
        foreach (var gateway in _gateways)
            gateway.Dispose();
        _database.Dispose();
    }

    private static Task<Overview> Overview(HubPeer peer) => peer.Connection.InvokeAsync<Overview>("WatchOverview");

    private GatewayFactory Start(string name)
    {
        var settings = PostgreSqlServer.Shared.GatewaySettings(_database.Path);
        settings["Instance:Name"] = name;
        settings["Instance:HeartbeatIntervalMilliseconds"] = "200";
        var gateway = new GatewayFactory(null, settings);
        _gateways.Add(gateway);
        return gateway;
    }
}
