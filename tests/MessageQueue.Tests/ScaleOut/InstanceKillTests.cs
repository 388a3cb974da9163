using System.Diagnostics;
using System.Net;
using System.Net.Http.Json;
using MessageQueue.Gateway.Api;
using MessageQueue.Tests.Infrastructure;
using Microsoft.AspNetCore.SignalR.Client;
using Xunit.Abstractions;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>
/// Three gateways on one PostgreSQL database and one Redis; one of them is SIGKILLed while every door of it takes
/// updates. What it acknowledged is stored and reaches the others' clients, and clients that read on it and move to
/// another instance carry on exactly where they were. A is a child process, so that it can be killed; B and C are
/// hosts in this process (each its own catalog, store writer, Redis connection and sockets): on a busy machine three
/// child processes starting at once took over 30 s.
/// </summary>
public sealed class InstanceKillTests(ITestOutputHelper output) : IAsyncLifetime, IDisposable
{
    private readonly TempDirectory _database = new(); // names the database the three share
    private readonly List<TempDirectory> _folders = [];
    private readonly List<GatewayProcess> _processes = [];
    private readonly List<GatewayFactory> _hosts = [];
    private readonly List<IAsyncDisposable> _clients = [];
    private RedisServer _redis = null!;

    public async Task InitializeAsync() => _redis = await RedisServer.StartAsync();

    [Fact]
    public async Task EveryUpdateAKilledInstanceAcknowledgedIsStoredAndDeliveredElsewhereAndMovedClientsGetEachOnceInOrder()
    {
        var watch = Stopwatch.StartNew();
        var (a, b, c) = await StartThreeAsync();
        var startedIn = watch.Elapsed;
        using var httpA = Http(a.HttpAddress);
        using var httpB = Http(b.HttpAddress);
        using var httpC = Http(c.HttpAddress);
        string[] subjects = [await ApiAssert.NewSubjectAsync(httpA), await ApiAssert.NewSubjectAsync(httpA), await ApiAssert.NewSubjectAsync(httpA)];
        foreach (var (http, subject) in new[] { httpB, httpC }.SelectMany(h => subjects.Select(s => (h, s))))
            await Poll.UntilAsync(async () => (await http.GetAsync($"/api/subjects/{subject}")).IsSuccessStatusCode, () => $"{http.BaseAddress} never heard of {subject}");

        // Watching on B and C from the start: an event stream per subject and a hub connection subscribed to all.
        var watchers = new List<(string Where, string Subject, EventStreamRecorder Stream)>();
        var watchingHubs = new List<(string Where, HubReader Hub)>();
        foreach (var (where, http, gateway) in new[] { ("B", httpB, b.HttpAddress), ("C", httpC, c.HttpAddress) })
        {
            foreach (var subject in subjects)
                watchers.Add((where, subject, await Track(EventStreamRecorder.OpenAsync(http, EventsOf(subject), lastEventId: "0"))));
            watchingHubs.Add((where, await HubReader.SubscribeAsync(await Track(HubPeer.ConnectAsync(gateway)), subjects.ToDictionary(s => s, _ => 0L))));
        }
        // Clients on A that will move to B when A dies.
        var moving = new Dictionary<string, EventStreamRecorder>();
        foreach (var subject in subjects)
            moving[subject] = await Track(EventStreamRecorder.OpenAsync(httpA, EventsOf(subject), lastEventId: "0"));
        var movingHub = await HubReader.SubscribeAsync(await Track(HubPeer.ConnectAsync(a.HttpAddress)), subjects.ToDictionary(s => s, _ => 0L));

        var load = await MixedLoad.StartAsync(a, subjects, clientsPerDoor: 2);
        await using var _ = load;
        await Poll.UntilAsync(() => load.Count("zmq") >= 30 && load.Count("rest") >= 30 && load.Count("hub") >= 30,
            () => "The load never got going: " + load.Describe(), TimeSpan.FromSeconds(30));
        Assert.Empty(load.Ends);
        await a.KillAsync();
        var killedAt = watch.Elapsed;

        // The moved clients come back on B at once, from what they last got, whether or not B has heard of it yet.
        var resumed = new Dictionary<string, EventStreamRecorder>();
        foreach (var subject in subjects)
        {
            var onA = moving[subject];
            await onA.Ended.WaitAsync(EventStreamClient.Timeout);
            var position = AssertGapFree(onA.Events.Select(e => e.Sequence), 1, $"A's event stream on {subject}");
            resumed[subject] = await Track(EventStreamRecorder.OpenAsync(httpB, EventsOf(subject), lastEventId: $"{position}"));
            Assert.Equal($"updates of {subject} after sequence {position}", resumed[subject].Opening); // not started over
        }
        await Poll.UntilAsync(() => movingHub.Peer.Connection.State == HubConnectionState.Disconnected, () => "The hub client on A is still connected.");
        var positions = subjects.ToDictionary(s => s, s => AssertGapFree(movingHub.Received(s).Select(u => u.Sequence), 1, $"A's hub client on {s}"));
        var resumedHub = await HubReader.SubscribeAsync(await Track(HubPeer.ConnectAsync(b.HttpAddress)), positions);

        await load.WaitForEveryClientToStopAsync(MixedLoad.ReplyTimeout * 3);
        Assert.DoesNotContain(load.Ends, e => e.How == ClientEndKind.Stopped);
        // One last update per subject through C: every reader, wherever it is, must get up to it.
        var last = new Dictionary<string, long>();
        foreach (var subject in subjects)
        {
            using var posted = await httpC.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = "after the kill" });
            Assert.Equal(HttpStatusCode.Created, posted.StatusCode);
            last[subject] = (await posted.Content.ReadFromJsonAsync<UpdateResource>(HubPeerJson.Options))!.Sequence;
        }

        // In the store, read on B: every acknowledged update once, each subject numbered 1..N.
        var histories = await StoredUpdates.AssertEveryAcknowledgedUpdateIsStoredAsync(b.HttpAddress, b.Zmq.ReplyEndpoint, subjects, load.Acknowledged);
        foreach (var subject in subjects)
            Assert.Equal(last[subject], histories[subject].Count);

        // Every reader gets the subject's whole history from where it started, once each, in order, with the stored texts.
        var readers = watchers.Select(w => ($"{w.Where}'s event stream on {w.Subject}", w.Subject, 1L, w.Stream))
            .Concat(resumed.Select(r => ($"the event stream moved to B on {r.Key}", r.Key, moving[r.Key].LastSequence + 1, r.Value)));
        foreach (var (who, subject, from, stream) in readers)
        {
            await Poll.UntilAsync(() => stream.LastSequence >= last[subject] || stream.Ended.IsCompleted, () => $"{who} stopped at {stream.LastSequence} of {last[subject]}");
            AssertDelivered(who, histories[subject], from, stream.Events.Select(e => (e.Sequence, e.Json.GetProperty("text").GetString()!)));
        }
        foreach (var (who, hub, from) in watchingHubs.Select(w => ($"{w.Where}'s hub client", w.Hub, (Func<string, long>)(_ => 1)))
                     .Append(("the hub client moved to B", resumedHub, s => positions[s] + 1)))
        {
            Assert.All(hub.Gaps, g => Assert.False(g.Value, $"{who} was told of a gap on {g.Key}"));
            await Poll.UntilAsync(() => subjects.All(s => hub.LastSequence(s) >= last[s]),
                () => $"{who} stopped at {string.Join(", ", subjects.Select(s => $"{hub.LastSequence(s)} of {last[s]}"))}");
            foreach (var subject in subjects)
                AssertDelivered($"{who} on {subject}", histories[subject], from(subject), hub.Received(subject).Select(u => (u.Sequence, u.Text)));
        }
        output.WriteLine($"Started in {startedIn.TotalSeconds:F1} s; A killed at {killedAt.TotalSeconds:F1} s under {load.Describe()}; moved at {string.Join(", ", subjects.Select(s => $"{moving[s].LastSequence}/{positions[s]}"))} "
                         + $"(stream/hub) of {string.Join(", ", subjects.Select(s => last[s]))}; done in {watch.Elapsed.TotalSeconds:F1} s");
    }

    public async Task DisposeAsync()
    {
        foreach (var client in _clients)
            await client.DisposeAsync();
        foreach (var gateway in _processes)
            await gateway.DisposeAsync();
        foreach (var gateway in _hosts)
            gateway.Dispose();
    }

    /// <summary>Called after <see cref="DisposeAsync"/>: the folders and Redis outlive the gateways that use them.</summary>
    public void Dispose()
    {
        foreach (var folder in _folders)
            folder.Dispose();
        _redis.Dispose();
        _database.Dispose();
    }

    private static string EventsOf(string subject) => $"/api/subjects/{subject}/events";

    /// <summary>The sequence numbers are first, first + 1, ... without a gap or a repeat; returns the last (first - 1 when none).</summary>
    private static long AssertGapFree(IEnumerable<long> sequences, long first, string who)
    {
        var seen = sequences.ToList();
        Assert.True(seen.SequenceEqual(Enumerable.Range(0, seen.Count).Select(i => first + i)), $"{who} got {string.Join(",", seen)}");
        return first + seen.Count - 1;
    }

    /// <summary>What a reader got is the history from <paramref name="from"/> to its end, each once, in order.</summary>
    private static void AssertDelivered(string who, List<UpdateResource> history, long from, IEnumerable<(long Sequence, string Text)> delivered)
    {
        var expected = history.Where(u => u.Sequence >= from).Select(u => (u.Sequence, u.Text)).ToList();
        var got = delivered.ToList();
        Assert.True(expected.SequenceEqual(got),
            $"{who}: expected {from}..{history.Count}, got {got.Count} updates: {string.Join(",", got.Select(g => g.Sequence))}");
    }

    private async Task<T> Track<T>(Task<T> opening)
        where T : IAsyncDisposable
    {
        var client = await opening;
        _clients.Add(client);
        return client;
    }

    private static HttpClient Http(Uri gateway) => new() { BaseAddress = gateway, Timeout = Timeout.InfiniteTimeSpan };

    private async Task<(GatewayProcess A, GatewayFactory B, GatewayFactory C)> StartThreeAsync()
    {
        var a = StartProcessAsync("gw-a");
        var (b, c) = (Task.Run(() => StartHost("gw-b")), Task.Run(() => StartHost("gw-c")));
        return (await a, await b, await c);
    }

    private async Task<GatewayProcess> StartProcessAsync(string name)
    {
        var folder = new TempDirectory();
        _folders.Add(folder);
        var environment = new Dictionary<string, string>(StoredUpdates.WholeReplay);
        foreach (var (key, value) in Settings(name).Concat(PostgreSqlServer.Shared.ProcessEnvironment(_database.Path)))
            environment[key.Replace(":", "__", StringComparison.Ordinal)] = value;
        var gateway = await GatewayProcess.StartAsync(folder.Path, environment);
        _processes.Add(gateway);
        return gateway;
    }

    private GatewayFactory StartHost(string name)
    {
        var settings = PostgreSqlServer.Shared.GatewaySettings(_database.Path);
        foreach (var (key, value) in StoredUpdates.WholeReplay.Concat(Settings(name)))
            settings[key.Replace("__", ":", StringComparison.Ordinal)] = value;
        var gateway = new GatewayFactory(null, settings);
        lock (_hosts) // disposed at the end even when another of the three did not start
            _hosts.Add(gateway);
        return gateway;
    }

    private Dictionary<string, string> Settings(string name) => new()
    {
        ["Bus:Redis"] = _redis.ConfigurationString,
        ["Instance:Name"] = name,
        // Every load client is 127.0.0.1, one client to the limiter.
        ["RateLimiting:Enabled"] = "false",
    };

    /// <summary>
    /// A hub client subscribed to several subjects as the dashboard is: the answer's updates first, then live ones
    /// above the answer's LastSequence (those at or below it were heard while subscribing and are dropped).
    /// </summary>
    private sealed class HubReader
    {
        private readonly Dictionary<string, List<UpdateResource>> _received = [];
        private readonly Dictionary<string, long> _bounds = [];

        private HubReader(HubPeer peer) => Peer = peer;

        public HubPeer Peer { get; }

        /// <summary>Each subscription's gap flag, by subject.</summary>
        public Dictionary<string, bool> Gaps { get; } = [];

        public static async Task<HubReader> SubscribeAsync(HubPeer peer, IReadOnlyDictionary<string, long> positions)
        {
            var reader = new HubReader(peer);
            foreach (var (subject, position) in positions)
            {
                var subscription = await peer.SubscribeAsync(subject, position);
                reader.Gaps[subject] = subscription.Gap;
                reader._bounds[subject] = subscription.LastSequence;
                reader._received[subject] = [.. subscription.Updates];
            }
            return reader;
        }

        /// <summary>What the subject got so far, taking whatever live updates have arrived.</summary>
        public List<UpdateResource> Received(string subject)
        {
            while (Peer.TryTakeUpdate(out var update))
            {
                if (update!.Sequence > _bounds[update.Subject])
                    _received[update.Subject].Add(update);
            }
            return _received[subject];
        }

        /// <summary>The newest sequence number the subject got so far; 0 before the first.</summary>
        public long LastSequence(string subject) => Received(subject) is { Count: > 0 } received ? received[^1].Sequence : 0;
    }
}
