using System.Collections.Concurrent;
using System.Net;
using System.Net.Http.Json;
using System.Net.Sockets;
using MessageQueue.Gateway.Api;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// Updates through every door at once, closed loop (each client sends its next update when the previous one is
/// answered): legacy "3" over REQ sockets, REST POSTs, hub PostUpdate. It keeps every acknowledged update and how
/// each client's last request ended, so a test can kill or stop the gateway under it and check what it promised.
/// Every text is unique: "{door}-{client}-{n}".
/// </summary>
public sealed class MixedLoad : IAsyncDisposable
{
    /// <summary>A legacy request gets its reply within this, or the client counts it as unanswered and stops.</summary>
    public static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(5);

    private readonly ConcurrentQueue<AcknowledgedUpdate> _acknowledged = new();
    private readonly ConcurrentQueue<ClientEnd> _ends = new();
    private readonly ConcurrentDictionary<string, int> _refusals = new();
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _clients = [];
    private readonly List<HubPeer> _hubs = [];
    private readonly IReadOnlyList<string> _subjects;

    private MixedLoad(IReadOnlyList<string> subjects) => _subjects = subjects;

    public IReadOnlyCollection<AcknowledgedUpdate> Acknowledged => _acknowledged;

    /// <summary>How each client stopped: the gateway went away, or the test stopped the load.</summary>
    public IReadOnlyCollection<ClientEnd> Ends => _ends;

    /// <summary>Answers that refused an update (503, a hub "unavailable" error, a legacy error string), by answer.</summary>
    public IReadOnlyDictionary<string, int> Refusals => _refusals;

    public int Count(string door) => _acknowledged.Count(a => a.Door == door);

    /// <summary>Opens every client (hub connections first, so all doors start together) and starts the load.</summary>
    public static async Task<MixedLoad> StartAsync(GatewayProcess gateway, IReadOnlyList<string> subjects, int clientsPerDoor = 3)
    {
        var load = new MixedLoad(subjects);
        for (var i = 0; i < clientsPerDoor; i++)
            load._hubs.Add(await HubPeer.ConnectAsync(gateway.HttpAddress));
        for (var i = 0; i < clientsPerDoor; i++)
        {
            var client = i;
            // REQ sockets block: each legacy client on its own thread, never the thread pool.
            load._clients.Add(Task.Factory.StartNew(() => load.RunLegacy(gateway.ReplyEndpoint, client), CancellationToken.None,
                TaskCreationOptions.LongRunning, TaskScheduler.Default));
            load._clients.Add(Task.Run(() => load.RunRestAsync(gateway.HttpAddress, client)));
            var hub = load._hubs[i];
            load._clients.Add(Task.Run(() => load.RunHubAsync(hub, client)));
        }
        return load;
    }

    /// <summary>Waits until every client has stopped by itself (the gateway is gone); fails the test after <paramref name="timeout"/>.</summary>
    public async Task WaitForEveryClientToStopAsync(TimeSpan timeout)
    {
        try
        {
            await Task.WhenAll(_clients).WaitAsync(timeout);
        }
        catch (TimeoutException)
        {
            Assert.Fail($"{_clients.Count(c => !c.IsCompleted)} load clients still running after {timeout}; ended: {Describe()}");
        }
    }

    public string Describe() =>
        $"{_acknowledged.Count} acknowledged (zmq {Count("zmq")}, rest {Count("rest")}, hub {Count("hub")}); ends: "
        + string.Join("; ", _ends.GroupBy(e => (e.Door, e.How)).Select(g => $"{g.Key.Door} {g.Key.How} x{g.Count()}"))
        + (_refusals.IsEmpty ? "" : "; refusals: " + string.Join("; ", _refusals.Select(r => $"{r.Key} x{r.Value}")));

    public async ValueTask DisposeAsync()
    {
        _stop.Cancel();
        foreach (var hub in _hubs)
            await hub.DisposeAsync();
        await Task.WhenAll(_clients).WaitAsync(ReplyTimeout * 2).ContinueWith(_ => { }, TaskScheduler.Default);
        _stop.Dispose();
    }

    private string SubjectFor(int client, int n) => _subjects[(client + n) % _subjects.Count];

    private void Refused(string door, string answer) =>
        _refusals.AddOrUpdate($"{door}: {(answer.Length > 80 ? answer[..80] : answer)}", 1, (_, n) => n + 1);

    private void RunLegacy(string endpoint, int client)
    {
        using var peer = new LegacyPeer(endpoint);
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var subject = SubjectFor(client, n);
            var text = $"zmq-{client}-{n}";
            if (!peer.TryRequest(new { type = "3", subject, updateMessage = text }, ReplyTimeout, out var reply))
            {
                // The reply never came: the update may or may not be stored. A REQ socket cannot send again now.
                _ends.Enqueue(new ClientEnd("zmq", ClientEndKind.Unanswered, text, subject));
                return;
            }
            if (reply == "isSuccess")
                _acknowledged.Enqueue(new AcknowledgedUpdate("zmq", subject, text, null));
            else
                Refused("zmq", reply!);
        }
        _ends.Enqueue(new ClientEnd("zmq", ClientEndKind.Stopped, null, null));
    }

    private async Task RunRestAsync(Uri gateway, int client)
    {
        // One keep-alive connection per client, as a service posting updates would hold.
        using var http = new HttpClient(new SocketsHttpHandler { MaxConnectionsPerServer = 1, UseProxy = false })
        {
            BaseAddress = gateway,
            Timeout = ReplyTimeout,
        };
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var subject = SubjectFor(client, n);
            var text = $"rest-{client}-{n}";
            try
            {
                using var response = await http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text });
                if (response.StatusCode == HttpStatusCode.Created)
                {
                    var stored = await response.Content.ReadFromJsonAsync<UpdateResource>(HubPeerJson.Options);
                    _acknowledged.Enqueue(new AcknowledgedUpdate("rest", subject, text, stored!.Sequence));
                }
                else
                {
                    Refused("rest", $"{(int)response.StatusCode}");
                }
            }
            catch (HttpRequestException ex) when (ex.InnerException is SocketException { SocketErrorCode: SocketError.ConnectionRefused })
            {
                _ends.Enqueue(new ClientEnd("rest", ClientEndKind.ConnectionRefused, text, subject));
                return;
            }
            catch (Exception ex) when (ex is HttpRequestException or IOException or TaskCanceledException)
            {
                // Reset, cut off mid-answer or no answer in time: the request was neither answered nor cleanly refused.
                _ends.Enqueue(new ClientEnd("rest", ClientEndKind.Broken, text, subject, $"{ex.GetType().Name}: {ex.Message} {ex.InnerException?.Message}"));
                return;
            }
        }
        _ends.Enqueue(new ClientEnd("rest", ClientEndKind.Stopped, null, null));
    }

    private async Task RunHubAsync(HubPeer hub, int client)
    {
        for (var n = 0; !_stop.IsCancellationRequested; n++)
        {
            var subject = SubjectFor(client, n);
            var text = $"hub-{client}-{n}";
            try
            {
                var stored = await hub.PostAsync(subject, text).WaitAsync(ReplyTimeout);
                _acknowledged.Enqueue(new AcknowledgedUpdate("hub", subject, text, stored.Sequence));
            }
            catch (HubException ex)
            {
                Refused("hub", ex.Message);
            }
            catch (Exception ex) when (ex is InvalidOperationException or TaskCanceledException or IOException or TimeoutException or System.Net.WebSockets.WebSocketException)
            {
                // The server closed the connection under the call (or before it): the call has no answer. A socket
                // cut without SignalR's close (a dead process) or no answer in time is broken.
                var how = ex is InvalidOperationException or TaskCanceledException ? ClientEndKind.ConnectionClosed : ClientEndKind.Broken;
                _ends.Enqueue(new ClientEnd("hub", how, text, subject, $"{ex.GetType().Name}: {ex.Message}"));
                return;
            }
        }
        _ends.Enqueue(new ClientEnd("hub", ClientEndKind.Stopped, null, null));
    }
}

/// <summary>An update the gateway acknowledged: a legacy "isSuccess" (no sequence on that wire), a 201 or a hub result.</summary>
public sealed record AcknowledgedUpdate(string Door, string Subject, string Text, long? Sequence);

public enum ClientEndKind
{
    /// <summary>The test stopped the load.</summary>
    Stopped,

    /// <summary>A legacy request got no reply in time.</summary>
    Unanswered,

    /// <summary>HTTP: the next connection was refused (the listener is closed): a clean refusal.</summary>
    ConnectionRefused,

    /// <summary>Hub: the server closed the connection; the call in flight has no result.</summary>
    ConnectionClosed,

    /// <summary>HTTP reset or cut off, or any call without an answer in time.</summary>
    Broken,
}

/// <summary>How one load client stopped, and the update it had in flight then (null when none).</summary>
public sealed record ClientEnd(string Door, ClientEndKind How, string? InFlightText, string? InFlightSubject, string? Detail = null);

/// <summary>The gateway's JSON for REST and hub answers (camel case, enums as camel-case strings).</summary>
internal static class HubPeerJson
{
    public static readonly System.Text.Json.JsonSerializerOptions Options = new(System.Text.Json.JsonSerializerDefaults.Web)
    {
        Converters = { new System.Text.Json.Serialization.JsonStringEnumConverter(System.Text.Json.JsonNamingPolicy.CamelCase) },
    };
}
