using System.Diagnostics;
using System.Text;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>Where a load run is: samples are kept only for requests sent and answered while measuring.</summary>
internal sealed class LoadPhase
{
    public const int WarmingUp = 0;
    public const int Measuring = 1;
    public const int Stopped = 2;

    private volatile int _current = WarmingUp;

    public int Current => _current;

    public void Begin(int phase) => _current = phase;
}

/// <summary>
/// One legacy REQ client on its own thread and socket (NetMQ sockets are not thread safe), sending its
/// exchanges in turn, back to back, and timing each round trip.
/// </summary>
internal sealed class LoadClient(string name, string endpoint, IReadOnlyList<Exchange> exchanges, LoadPhase phase)
{
    // A REQ socket without a reply waits forever; a server that stops answering must fail the run instead.
    private static readonly TimeSpan ReplyTimeout = TimeSpan.FromSeconds(15);

    private readonly List<long> _samples = new(capacity: 64 * 1024);
    private Thread? _thread;

    public IReadOnlyList<long> Samples => _samples;

    /// <summary>Requests answered as expected in every phase, warm-up included.</summary>
    public long Answered { get; private set; }

    public Exception? Failure { get; private set; }
    public int WrongReplies { get; private set; }
    public string? FirstWrongReply { get; private set; }

    public void Start()
    {
        _thread = new Thread(Run) { IsBackground = true, Name = name };
        _thread.Start();
    }

    public void Join() => _thread?.Join();

    private void Run()
    {
        try
        {
            using var socket = new RequestSocket();
            socket.Options.Linger = TimeSpan.Zero;
            socket.Connect(endpoint);
            for (var next = 0; ; next = (next + 1) % exchanges.Count)
            {
                var phaseAtSend = phase.Current;
                if (phaseAtSend == LoadPhase.Stopped)
                    return;

                var exchange = exchanges[next];
                var sentAt = Stopwatch.GetTimestamp();
                socket.SendFrame(exchange.Request);
                if (!socket.TryReceiveFrameBytes(ReplyTimeout, out var reply))
                    throw new TimeoutException($"No reply within {ReplyTimeout.TotalSeconds} s.");
                var elapsed = Stopwatch.GetTimestamp() - sentAt;

                if (!exchange.Accepts(reply))
                {
                    WrongReplies++;
                    FirstWrongReply ??= Encoding.UTF8.GetString(reply);
                    continue;
                }
                Answered++;
                if (phaseAtSend == LoadPhase.Measuring && phase.Current == LoadPhase.Measuring)
                    _samples.Add(elapsed);
            }
        }
        catch (Exception ex)
        {
            Failure = ex;
        }
    }
}
