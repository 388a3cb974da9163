using System.Diagnostics;

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
/// One load client on its own thread and its own connection (NetMQ sockets are not thread safe; an HTTP client
/// here holds one keep-alive connection), sending its requests in turn, back to back, and timing each round trip.
/// </summary>
internal sealed class LoadClient(string name, Func<IRequestChannel> connect, LoadPhase phase)
{
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
            using var channel = connect();
            while (true)
            {
                var phaseAtSend = phase.Current;
                if (phaseAtSend == LoadPhase.Stopped)
                    return;

                var sentAt = Stopwatch.GetTimestamp();
                var wrongReply = channel.RoundTrip();
                var elapsed = Stopwatch.GetTimestamp() - sentAt;

                if (wrongReply is not null)
                {
                    WrongReplies++;
                    FirstWrongReply ??= wrongReply;
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
