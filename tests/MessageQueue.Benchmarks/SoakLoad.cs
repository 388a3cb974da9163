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
/// With an <paramref name="apiKey"/>, the HTTP and hub clients present it; with <paramref name="timings"/>, every
/// paced request is timed there too (the attack group compares them before and during an attack).
/// </summary>
internal sealed class SoakLoad(ServerProcess gateway, SoakCounts counts, CancellationToken stop, string? apiKey = null, DoorTimings? timings = null)
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
            Paced($"legacy-update-{i}", "legacy updates", 25, () => LegacyUpdates(client));
            Paced($"legacy-list-{i}", "legacy lists", 100, LegacyLists);
            Paced($"rest-post-{i}", "rest posts", 25, () => RestPosts(client));
            Paced($"rest-read-{i}", "rest reads", 100, () => RestReads(client));
            Paced($"hub-post-{i}", "hub posts", 25, () => HubPosts(client));
        }
        foreach (var subject in Subjects)
        {
            Held($"sub-{subject}", () => SubReader(subject));
            Held($"sse-{subject}", () => SseReader(subject));
            Held($"hub-sub-{subject}", () => HubReader(subject));
        }
        Held("churn", Churn);
    }

    /// <summary>Waits for the clients to see the stop, at most twice the request timeout in all.</summary>
    public void Join()
    {
        var deadline = Stopwatch.StartNew();
        foreach (var thread in _threads)
            thread.Join(TimeSpan.FromTicks(Math.Max(0, (Timeout * 2 - deadline.Elapsed).Ticks)));
    }

    /// <summary>A connection held open until the stop (reopened after a failure), its step run again and again.</summary>
    private void Held(string name, Func<Action> open) => Run(name, () =>
    {
        var step = open();
        step();
    });

    /// <summary>
    /// A client that opens its connection, then sends <paramref name="perSecond"/> requests on a fixed schedule, each
    /// counted as <paramref name="kind"/> when it succeeds: one that falls behind sends at once, but never bursts
    /// more than a second's worth to catch up.
    /// </summary>
    private void Paced(string name, string kind, double perSecond, Func<Func<bool>> open) => Run(name, () =>
    {
        var started = Stopwatch.GetTimestamp();
        try
        {
            var step = open();
            var interval = TimeSpan.FromSeconds(1 / perSecond);
            var clock = Stopwatch.StartNew();
            var due = TimeSpan.Zero;
            while (!stop.IsCancellationRequested)
            {
                started = Stopwatch.GetTimestamp();
                var ok = step();
                timings?.Record(kind, started, ok);
                counts.Add(ok ? kind : "failures");
                due += interval;
                var ahead = due - clock.Elapsed;
                if (ahead > TimeSpan.Zero)
                    Thread.Sleep(ahead);
                else if (ahead < -TimeSpan.FromSeconds(1))
                    due = clock.Elapsed;
            }
        }
        catch (Exception)
        {
            // A request that failed or timed out, or a connection that could not be opened, is a failure of this door,
            // even when it ends after the stop: it started while the load was measured.
            timings?.Record(kind, started, ok: false);
            throw;
        }
    });

    private void Run(string name, Action body)
    {
        var thread = new Thread(() =>
        {
            while (!stop.IsCancellationRequested)
            {
                try
                {
                    body();
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

    private Func<bool> LegacyUpdates(int client)
    {
        var socket = Req(gateway.ReplyEndpoint);
        var n = client;
        return () => Ask(socket, LegacyFrames.UpdateRequest(Subjects[n++ % Subjects.Length], "s")) == LegacyFrames.Success;
    }

    private Func<bool> LegacyLists()
    {
        var socket = Req(gateway.ReplyEndpoint);
        return () =>
        {
            Ask(socket, LegacyFrames.List.Request);
            return true;
        };
    }

    private Func<bool> RestPosts(int client)
    {
        var http = Http(Timeout);
        var n = client;
        return () =>
        {
            using var response = http.PostAsJsonAsync($"/api/subjects/{Subjects[n++ % Subjects.Length]}/updates", new { text = "s" }).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        };
    }

    private Func<bool> RestReads(int client)
    {
        var http = Http(Timeout);
        var n = client;
        return () =>
        {
            // The list, then a subject's newest updates: the two reads a dashboard or a service makes most.
            var path = n % 2 == 0 ? "/api/subjects" : $"/api/subjects/{Subjects[n / 2 % Subjects.Length]}/updates?after=0&limit=20";
            n++;
            using var response = http.GetAsync(path).GetAwaiter().GetResult();
            return response.IsSuccessStatusCode;
        };
    }

    private Func<bool> HubPosts(int client)
    {
        var hub = Hub();
        var n = client;
        return () =>
        {
            hub.InvokeAsync<object>("PostUpdate", Subjects[n++ % Subjects.Length], "s").WaitAsync(Timeout).GetAwaiter().GetResult();
            return true;
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
        using var http = Http(System.Threading.Timeout.InfiniteTimeSpan);
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
        using (var http = Http(Timeout))
        using (var stream = http.Send(new HttpRequestMessage(HttpMethod.Get, "/api/subjects/React/events"), HttpCompletionOption.ResponseHeadersRead))
            stream.EnsureSuccessStatusCode();
        var hub = Hub();
        hub.InvokeAsync<object>("Subscribe", "Django", null).GetAwaiter().GetResult();
        hub.DisposeAsync().AsTask().GetAwaiter().GetResult();
        counts.Add("connections churned", 4);
        stop.WaitHandle.WaitOne(TimeSpan.FromSeconds(1));
    };

    private HttpClient Http(TimeSpan timeout)
    {
        var http = HttpChannel.CreateClient(gateway.HttpAddress, timeout);
        if (apiKey is not null)
            http.DefaultRequestHeaders.Add("X-Api-Key", apiKey);
        return http;
    }

    private HubConnection Hub()
    {
        var hub = new HubConnectionBuilder()
            .WithUrl(new Uri(gateway.HttpAddress, "/hubs/subjects"), o => o.AccessTokenProvider = () => Task.FromResult(apiKey))
            .Build();
        hub.StartAsync().WaitAsync(Timeout).GetAwaiter().GetResult();
        return hub;
    }
}
