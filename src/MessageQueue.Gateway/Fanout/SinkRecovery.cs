using System.Diagnostics;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Gateway.Fanout;

/// <summary>
/// What one sink failed to take, per subject: the first sequence number it missed. Until the sink has taken them
/// from the store, later updates of that subject are left to the recovery too (so the order holds); updates it has
/// already taken from the store are not handed on twice. Used by one thread at a time: the sink's delivery loop, or,
/// for an enqueue-only sink taking changes on the publishing thread, that thread under the sink's gate;
/// <see cref="PendingSubjects"/> is read by the health check from any thread.
/// </summary>
internal sealed class SinkRecovery
{
    private static readonly TimeSpan FirstRetry = TimeSpan.FromMilliseconds(100);
    private static readonly TimeSpan LastRetry = TimeSpan.FromSeconds(5);

    /// <summary>Attempts on one update before it is given up, so one update the sink can never take does not hold its subject for ever.</summary>
    public const int MaxAttempts = 12;

    private readonly Dictionary<int, (string Subject, long From, int Attempts)> _gaps = [];
    private readonly Dictionary<int, long> _recoveredUpTo = [];
    private long _dueAt;
    private int _pending;

    /// <summary>Subjects with updates this sink has not taken yet.</summary>
    public int PendingSubjects => Volatile.Read(ref _pending);

    /// <summary>How long to wait between attempts now.</summary>
    public TimeSpan Retry { get; private set; } = FirstRetry;

    /// <summary>How long until the next attempt is due (zero when it is); a busy sink must not put it off for ever.</summary>
    public TimeSpan UntilDue
    {
        get
        {
            var left = Stopwatch.GetElapsedTime(Stopwatch.GetTimestamp(), _dueAt);
            return left > TimeSpan.Zero ? left : TimeSpan.Zero;
        }
    }

    public IEnumerable<(int SubjectId, string Subject, long From, int Attempts)> Gaps =>
        _gaps.Select(g => (g.Key, g.Value.Subject, g.Value.From, g.Value.Attempts));

    /// <summary>True when the update is the recovery's to hand on (its subject has a gap), or was already handed on from the store.</summary>
    public bool Covers(SubjectUpdate update)
    {
        if (_gaps.ContainsKey(update.SubjectId))
            return true;
        if (!_recoveredUpTo.TryGetValue(update.SubjectId, out var upTo))
            return false;
        if (update.Sequence <= upTo)
            return true;
        _recoveredUpTo.Remove(update.SubjectId);
        return false;
    }

    /// <summary>The sink failed on this update (or, during a recovery, on this one of the subject's).</summary>
    /// <param name="sinkRefused">True when the sink itself failed on it (not the store): that counts as an attempt on it.</param>
    public void Missed(int subjectId, string subject, long sequence, bool sinkRefused)
    {
        if (_gaps.Count == 0)
            _dueAt = Stopwatch.GetTimestamp() + (long)(Retry.TotalSeconds * Stopwatch.Frequency);
        var attempts = _gaps.TryGetValue(subjectId, out var gap) && gap.From == sequence ? gap.Attempts : 0;
        if (sinkRefused)
            attempts++;
        _gaps[subjectId] = (subject, sequence, attempts);
        Volatile.Write(ref _pending, _gaps.Count);
    }

    /// <summary>An attempt failed: wait longer before the next.</summary>
    public void Backoff()
    {
        Retry = Retry * 2 < LastRetry ? Retry * 2 : LastRetry;
        _dueAt = Stopwatch.GetTimestamp() + (long)(Retry.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>The subject was deleted: nothing of it is left to recover. True when it had a gap.</summary>
    public bool Forget(int subjectId)
    {
        _recoveredUpTo.Remove(subjectId);
        if (!_gaps.Remove(subjectId))
            return false;
        Volatile.Write(ref _pending, _gaps.Count);
        if (_gaps.Count == 0)
            Retry = FirstRetry;
        return true;
    }

    /// <summary>The subject's gap is closed: the sink has taken everything up to <paramref name="upTo"/>.</summary>
    public void Closed(int subjectId, long upTo)
    {
        _gaps.Remove(subjectId);
        _recoveredUpTo[subjectId] = upTo;
        Volatile.Write(ref _pending, _gaps.Count);
        if (_gaps.Count == 0)
            Retry = FirstRetry;
    }
}
