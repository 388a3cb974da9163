using System.Net.Http.Json;
using Microsoft.AspNetCore.SignalR.Client;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// Asks each door of a gateway once, with a fresh connection: a legacy list, a REST read, a hub call, and an update
/// that a fresh SUB socket must receive. A door that does not answer in time is named: a process can outlive a door.
/// </summary>
internal static class DoorProbe
{
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(5);

    /// <summary>The doors that did not answer; empty when all did.</summary>
    public static IReadOnlyList<string> Silent(ServerProcess gateway, string apiKey, string subject)
    {
        if (gateway.HasExited)
            return ["all (the process is gone)"];
        var silent = new List<string>();
        if (!Answers(() => Legacy(gateway)))
            silent.Add("legacy REQ");
        using var http = HttpChannel.CreateClient(gateway.HttpAddress, Timeout);
        http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        if (!Answers(() => http.GetAsync("/api/subjects").GetAwaiter().GetResult().IsSuccessStatusCode))
            silent.Add("REST");
        if (!Answers(() => Hub(gateway, apiKey)))
            silent.Add("hub");
        if (!Answers(() => Publishes(gateway, http, subject)))
            silent.Add("PUB");
        return silent;
    }

    private static bool Answers(Func<bool> probe)
    {
        try
        {
            return probe();
        }
        catch (Exception ex) when (ex is HttpRequestException or TaskCanceledException or TimeoutException or IOException or InvalidOperationException or NetMQException or System.Net.WebSockets.WebSocketException)
        {
            return false;
        }
    }

    private static bool Legacy(ServerProcess gateway)
    {
        using var socket = new RequestSocket();
        socket.Options.Linger = TimeSpan.Zero;
        socket.Connect(gateway.ReplyEndpoint);
        return socket.TrySendFrame(Timeout, LegacyFrames.List.Request) && socket.TryReceiveFrameString(Timeout, out _);
    }

    private static bool Hub(ServerProcess gateway, string apiKey)
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway.HttpAddress, "/hubs/subjects"), o => o.AccessTokenProvider = () => Task.FromResult<string?>(apiKey))
            .Build();
        try
        {
            hub.StartAsync().WaitAsync(Timeout).GetAwaiter().GetResult();
            hub.InvokeAsync<object>("ListSubjects").WaitAsync(Timeout).GetAwaiter().GetResult();
            return true;
        }
        finally
        {
            hub.DisposeAsync().AsTask().Wait(Timeout);
        }
    }

    /// <summary>Updates posted over REST until a fresh SUB socket gets one (the first may precede its subscription).</summary>
    private static bool Publishes(ServerProcess gateway, HttpClient http, string subject)
    {
        using var socket = new SubscriberSocket();
        socket.Options.Linger = TimeSpan.Zero;
        socket.Connect(gateway.PublishEndpoint);
        socket.Subscribe(subject + " ");
        var deadline = DateTime.UtcNow + Timeout;
        while (DateTime.UtcNow < deadline)
        {
            using var posted = http.PostAsJsonAsync($"/api/subjects/{subject}/updates", new { text = "probe" }).GetAwaiter().GetResult();
            if (socket.TryReceiveFrameBytes(TimeSpan.FromMilliseconds(500), out _))
                return true;
        }
        return false;
    }
}
