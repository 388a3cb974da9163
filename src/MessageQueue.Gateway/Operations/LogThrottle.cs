namespace MessageQueue.Gateway.Operations;

/// <summary>
/// At most one log line per interval for one repeated event a peer can trigger (one instance per event and place):
/// the lines in between are counted, and the next line that is written says how many were left out.
/// </summary>
public sealed class LogThrottle(TimeSpan interval)
{
    public static readonly TimeSpan DefaultInterval = TimeSpan.FromSeconds(10);

    private readonly long _intervalMs = (long)interval.TotalMilliseconds;
    private long _nextLineAt = long.MinValue;
    private long _suppressed;

    public LogThrottle()
        : this(DefaultInterval)
    {
    }

    /// <summary>True when a line may be written now; <paramref name="suppressed"/> is how many were left out since the last.</summary>
    public bool ShouldLog(out long suppressed)
    {
        var now = Environment.TickCount64;
        var next = Volatile.Read(ref _nextLineAt);
        if (now >= next && Interlocked.CompareExchange(ref _nextLineAt, now + _intervalMs, next) == next)
        {
            suppressed = Interlocked.Exchange(ref _suppressed, 0);
            return true;
        }
        Interlocked.Increment(ref _suppressed);
        suppressed = 0;
        return false;
    }
}
