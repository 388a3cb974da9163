using System.Diagnostics;
using System.Net.Http.Json;
using System.Text;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.SignalR.Client;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>Counts of the soak's traffic, by door and kind, shared by its client threads.</summary>
internal sealed class SoakCounts
{
    private readonly Dictionary<string, long[]> _counts = new(StringComparer.Ordinal);
    private readonly Lock _gate = new();

    public static readonly string[] Kinds =
    [
        "legacy updates", "legacy lists", "rest posts", "rest reads", "hub posts",
        "SUB frames", "SSE events", "hub pushes", "connections churned", "failures",
    ];

    public SoakCounts()
    {
        foreach (var kind in Kinds)
            _counts[kind] = new long[1];
    }

    public void Add(string kind, long n = 1) => Interlocked.Add(ref _counts[kind][0], n);

    public Dictionary<string, long> Snapshot()
    {
        lock (_gate)
            return _counts.ToDictionary(c => c.Key, c => Interlocked.Read(ref c.Value[0]), StringComparer.Ordinal);
    }
}

/// <summary>
/// The soak's clients on every door at once, each on its own thread at a fixed pace: legacy REQ updates and lists,
/// REST posts and reads, SSE streams, hub connections subscribed and posting, SUB sockets; and one loop per door
/// that opens and closes a connection every second, so a leak per connection shows in the gateway's handle count.
/// </summary>
internal sealed class SoakLoad(ServerProcess gateway, SoakCounts counts, CancellationToken stop)
{
    private static readonly string[] Subjects = [.. DefaultSubjects.All.Select(s => s.Name)];
    private static readonly TimeSpan Timeout = TimeSpan.FromSeconds(15);
    private readonly List<Thread> _threads = [];
    private long _failuresLogged;

    public void Start()
    {
        for (var i = 0; i < 2; i++)
        {
            var client = i;
            Run($"legacy-update-{i}", 25, () => LegacyUpdates(client));
            Run($"legacy-list-{i}", 100, LegacyLists);
            Run($"rest-post-{i}", 25, () => RestPosts(client));
            Run($"rest-read-{i}", 100, () => RestReads(client));
            Run($"hub-post-{i}", 25, () => HubPosts(client));
        }
        foreach (var subject in Subjects)
        {
            Run($"sub-{subject}", 0, () => SubReader(subject));
            Run($"sse-{subject}", 0, () => SseReader(subject));
            Run($"hub-sub-{subject}", 0, () => HubReader(subject));
        }
        Run("churn", 0, Churn);
    }

    public void Join()
    {
        foreach (var thread in _threads)
            thread.Join(Timeout * 2);
    }

    private void Run(string name, double perSecond, Func<Action> open)
    {
        var thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    var step = open();
                    if (perSecond <= 0)
                    {
                        step();
                        continue;
                    }
                    // Paced on a fixed schedule: a client that falls behind sends at once, but never bursts more
                    // than a second's worth to catch up.
                    var interval = TimeSpan.FromSeconds(1 / perSecond);
                    var clock = Stopwatch.StartNew();
                    var due = TimeSpan.Zero;
                    while (!stop.IsCancellationRequested)
                    {
                        step();
                        due += interval;
                        var ahead = due - clock.Elapsed;
                        if (ahead > TimeSpan.Zero)
                            Thread.Sleep(ahead);
                        else if (ahead < -TimeSpan.FromSeconds(1))
                            due = clock.Elapsed;
                    }
                }
                catch (Exception ex) when (!stop.IsCancellationRequested)
                {
                    Failed(name, ex);
                    stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
                }
                catch (Exception) when (stop.IsCancellationRequested)
                {
                    return;
                }
            }
        }) { IsBackground = true, Name = name };
        _threads.Add(thread);
        thread.Start();
    }

    private void Failed(string where, Exception ex)
    {
        counts.Add("failures");
        if (Interlocked.Increment(ref _failuresLogged) <= 10)
            Console.Error.WriteLine($"  soak client {where}: {ex.GetType().Name}: {ex.Message}");
    }

    private static RequestSocket Req(string endpoint)
    {
        var socket = new RequestSocket();
        socket.Options.Linger = TimeSpan.Zero;
        socket.Connect(endpoint);
        return socket;
    }

    private static string Ask(RequestSocket socket, byte[] request)
    {
        if (!socket.TrySendFrame(Timeout, request) || !socket.TryReceiveFrameString(Timeout, out var reply))
            throw new TimeoutException("No legacy reply in time.");
        return reply!;
    }

    private Action LegacyUpdates(int client)
    {
        var socket = Req(gateway.ReplyEndpoint);
        var n = client;
        return () =>
        {
            var reply = Ask(socket, LegacyFrames.UpdateRequest(Subjects[n++ % Subjects.Length], "s"));
            counts.Add(reply == LegacyFrames.Success ? "legacy updates" : "failures");
        };
    }

    private Action LegacyLists()
    {
        var socket = Req(gateway.ReplyEndpoint);
        return () =>
        {
            Ask(socket, LegacyFrames.List.Request);
            counts.Add("legacy lists");
        };
    }

    private Action RestPosts(int client)
    {
        var http = HttpChannel.CreateClient(gateway.HttpAddress, Timeout);
        var n = client;
        return () =>
        {
            using var response = http.PostAsJsonAsync($"/api/subjects/{Subjects[n++ % Subjects.Length]}/updates", new { text = "s" }).GetAwaiter().GetResult();
            counts.Add(response.IsSuccessStatusCode ? "rest posts" : "failures");
        };
    }

    private Action RestReads(int client)
    {
        var http = HttpChannel.CreateClient(gateway.HttpAddress, Timeout);
        var n = client;
        return () =>
        {
            // The list, then a subject's newest updates: the two reads a dashboard or a service makes most.
            var path = n % 2 == 0 ? "/api/subjects" : $"/api/subjects/{Subjects[n / 2 % Subjects.Length]}/updates?after=0&limit=20";
            n++;
            using var response = http.GetAsync(path).GetAwaiter().GetResult();
            counts.Add(response.IsSuccessStatusCode ? "rest reads" : "failures");
        };
    }

    private Action HubPosts(int client)
    {
        var hub = Hub();
        var n = client;
        return () =>
        {
            hub.InvokeAsync<object>("PostUpdate", Subjects[n++ % Subjects.Length], "s").WaitAsync(Timeout).GetAwaiter().GetResult();
            counts.Add("hub posts");
        };
    }

    /// <summary>Holds a SUB socket on one subject for the whole soak, counting frames.</summary>
    private Action SubReader(string subject) => () =>
    {
        using var socket = new SubscriberSocket();
        socket.Options.Linger = TimeSpan.Zero;
        socket.Connect(gateway.PublishEndpoint);
        socket.Subscribe(subject + " ");
        while (!stop.IsCancellationRequested)
        {
            if (socket.TryReceiveFrameBytes(TimeSpan.FromMilliseconds(200), out _))
                counts.Add("SUB frames");
        }
    };

    /// <summary>Holds an event stream on one subject for the whole soak, counting update events.</summary>
    private Action SseReader(string subject) => () =>
    {
        using var http = HttpChannel.CreateClient(gateway.HttpAddress, System.Threading.Timeout.InfiniteTimeSpan);
        using var response = http.Send(new HttpRequestMessage(HttpMethod.Get, $"/api/subjects/{subject}/events"), HttpCompletionOption.ResponseHeadersRead);
        response.EnsureSuccessStatusCode();
        using var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8);
        using var closeOnStop = stop.Register(response.Dispose);
        while (reader.ReadLine() is { } line)
        {
            if (line == "event: update")
                counts.Add("SSE events");
        }
    };

    /// <summary>Holds a hub connection subscribed to one subject for the whole soak, counting pushed updates.</summary>
    private Action HubReader(string subject) => () =>
    {
        var hub = Hub();
        hub.On<object>("Update", _ => counts.Add("hub pushes"));
        hub.InvokeAsync<object>("Subscribe", subject, null).GetAwaiter().GetResult();
        stop.WaitHandle.WaitOne();
        hub.DisposeAsync().AsTask().GetAwaiter().GetResult();
    };

    /// <summary>About once a second, a connection opened, used and closed on each door.</summary>
    private Action Churn() => () =>
    {
        using (var socket = Req(gateway.ReplyEndpoint))
            Ask(socket, LegacyFrames.List.Request);
        using (var sub = new SubscriberSocket())
        {
            sub.Options.Linger = TimeSpan.Zero;
            sub.Connect(gateway.PublishEndpoint);
            sub.Subscribe("React ");
        }
        using (var http = HttpChannel.CreateClient(gateway.HttpAddress, Timeout))
        using (var stream = http.Send(new HttpRequestMessage(HttpMethod.Get, "/api/subjects/React/events"), HttpCompletionOption.ResponseHeadersRead))
            stream.EnsureSuccessStatusCode();
        var hub = Hub();
        hub.InvokeAsync<object>("Subscribe", "Django", null).GetAwaiter().GetResult();
        hub.DisposeAsync().AsTask().GetAwaiter().GetResult();
        counts.Add("connections churned", 4);
        stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
    };

    private HubConnection Hub()
    {
        var hub = new HubConnectionBuilder().WithUrl(new Uri(gateway.HttpAddress, "/hubs/subjects")).Build();
        hub.StartAsync().WaitAsync(Timeout).GetAwaiter().GetResult();
        return hub;
    }
}
