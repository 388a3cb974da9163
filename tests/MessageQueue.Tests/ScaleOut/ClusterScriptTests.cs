using System.Net;
using System.Net.Http.Json;
using MessageQueue.Tests.Infrastructure;

namespace MessageQueue.Tests.ScaleOut;

/// <summary>
/// <c>build/cluster.sh</c> as an operator runs it: PostgreSQL, Redis, three gateways and HAProxy, on free ports and in
/// a state folder of the test's own; what goes in through the load balancer comes out of every instance's doors.
/// </summary>
public sealed class ClusterScriptTests : IAsyncLifetime, IDisposable
{
    private static readonly TimeSpan ScriptTimeout = TimeSpan.FromSeconds(120);

    private readonly TempDirectory _state = new();
    private readonly Dictionary<string, string> _environment = new();
    private readonly int[] _gatewayPorts = [ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort()];
    private readonly int[] _replyPorts = [ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort()];
    private readonly int[] _publishPorts = [ServerProcess.FreePort(), ServerProcess.FreePort(), ServerProcess.FreePort()];
    private readonly int _httpPort = ServerProcess.FreePort();
    private System.Diagnostics.Process? _watcher;

    public ClusterScriptTests()
    {
        _environment["CLUSTER_STATE_DIR"] = _state.Path;
        // The gateway the other process tests run (already built): publishing again would take a minute.
        _environment["CLUSTER_PUBLISHED"] = Path.GetDirectoryName(RepositoryPaths.GatewayDll)!;
        _environment["CLUSTER_PG_PORT"] = $"{ServerProcess.FreePort()}";
        _environment["CLUSTER_REDIS_PORT"] = $"{ServerProcess.FreePort()}";
        _environment["CLUSTER_HTTP_PORT"] = $"{_httpPort}";
        _environment["CLUSTER_GATEWAY_PORTS"] = string.Join(' ', _gatewayPorts);
        _environment["CLUSTER_REPLY_PORTS"] = string.Join(' ', _replyPorts);
        _environment["CLUSTER_PUBLISH_PORTS"] = string.Join(' ', _publishPorts);
    }

    public Task InitializeAsync()
    {
        // However this test process ends, the cluster does not outlive it on this shared machine.
        var down = string.Join(' ', _environment.Select(e => $"{e.Key}={ServerProcess.ShellQuote(e.Value)}"))
                   + " " + ServerProcess.ShellQuote(Script) + " down --purge >/dev/null 2>&1";
        _watcher = ServerProcess.WatchForOrphan(down);
        return Task.CompletedTask;
    }

    private static string Script => Path.Combine(RepositoryPaths.Root, "build", "cluster.sh");

    [Fact]
    public async Task UpStartsEachPartOnceAndAnUpdatePostedThroughHaProxyReachesASubSocketOnInstanceThreeAndAnEventStreamOnInstanceTwo()
    {
        var output = await RunAsync("up");
        Assert.Contains($"http://127.0.0.1:{_httpPort}/", output, StringComparison.Ordinal);
        Assert.Contains($"tcp://127.0.0.1:{_publishPorts[2]}", output, StringComparison.Ordinal);
        Assert.Contains("gw-3: running", await RunAsync("status"), StringComparison.Ordinal);
        var pids = GatewayPids();
        await RunAsync("up");
        Assert.Equal(pids, GatewayPids()); // nothing started twice

        using var proxy = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_httpPort}/"), Timeout = TimeSpan.FromSeconds(10) };
        using var second = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPorts[1]}/") };
        using var third = new HttpClient { BaseAddress = new Uri($"http://127.0.0.1:{_gatewayPorts[2]}/") };
        var name = await ApiAssert.NewSubjectAsync(proxy, "first line");
        foreach (var instance in new[] { second, third })
            await Poll.UntilAsync(async () => (await instance.GetAsync($"/api/subjects/{name}")).IsSuccessStatusCode, () => $"{instance.BaseAddress} never heard of the subject");

        await using var stream = await EventStreamClient.OpenAsync(second, $"/api/subjects/{name}/events");
        using var subscriber = new LegacySubscriber($"tcp://127.0.0.1:{_publishPorts[2]}", name);
        using var peer = new LegacyPeer($"tcp://127.0.0.1:{_replyPorts[2]}");
        subscriber.WaitUntilJoined(peer, name); // probes posted on instance 3

        using var posted = await proxy.PostAsJsonAsync($"/api/subjects/{name}/updates", new { text = "through HAProxy" });
        Assert.Equal(HttpStatusCode.Created, posted.StatusCode);

        Assert.EndsWith("\nthrough HAProxy", subscriber.Receive(), StringComparison.Ordinal);
        // The join probes first (more than one when the machine is slow), then the update, each once, in order.
        var streamed = new List<(long Sequence, string? Text)>();
        while (streamed.Count == 0 || streamed[^1].Text != "through HAProxy")
        {
            var next = await stream.NextAsync();
            streamed.Add((next.Sequence, next.Json.GetProperty("text").GetString()));
        }
        Assert.Equal(Enumerable.Range(1, streamed.Count).Select(i => (long)i), streamed.Select(e => e.Sequence));

        await RunAsync("down", "--purge");
        Assert.All(pids, pid => Assert.False(IsAlive(pid), $"Gateway {pid} outlived down."));
        Assert.False(Directory.Exists(_state.Path), "down --purge left the state folder.");
    }

    public async Task DisposeAsync()
    {
        try
        {
            await RunAsync("down", "--purge");
        }
        finally
        {
            Dispose();
        }
    }

    public void Dispose()
    {
        if (_watcher is not null)
            ServerProcess.StopWatching(_watcher);
        _watcher = null;
        _state.Dispose();
    }

    private List<int> GatewayPids() =>
        Enumerable.Range(1, 3).Select(n => int.Parse(File.ReadAllText(Path.Combine(_state.Path, $"gw-{n}", "gateway.pid")).Trim(), System.Globalization.CultureInfo.InvariantCulture)).ToList();

    private static bool IsAlive(int pid) => Directory.Exists($"/proc/{pid}") && !File.ReadAllText($"/proc/{pid}/stat").Contains(") Z ", StringComparison.Ordinal);

    private Task<string> RunAsync(params string[] arguments) =>
        ServerProcess.RunAsync("/usr/bin/env", [.. _environment.Select(e => $"{e.Key}={e.Value}"), Script, .. arguments], RepositoryPaths.Root, ScriptTimeout);
}
