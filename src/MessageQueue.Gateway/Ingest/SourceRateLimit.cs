namespace MessageQueue.Gateway.Ingest;

/// <summary>
/// A source's budget of messages and bytes per second: a token bucket that holds one second's worth, so a burst up to
/// that passes at once and the average is held to the rate. A message may take the balance below zero (a frame larger
/// than a second's bytes still passes, alone); nothing more passes until it is positive again. Zero means no limit.
/// Used on the source's poller thread only.
/// </summary>
internal sealed class SourceRateLimit
{
    private readonly double _messagesPerSecond;
    private readonly double _bytesPerSecond;
    private readonly TimeProvider _time;
    private double _messages;
    private double _bytes;
    private long _refilledAt;

    public SourceRateLimit(int messagesPerSecond, long bytesPerSecond, TimeProvider time)
    {
        _messagesPerSecond = messagesPerSecond;
        _bytesPerSecond = bytesPerSecond;
        _time = time;
        _messages = messagesPerSecond;
        _bytes = bytesPerSecond;
        _refilledAt = time.GetTimestamp();
    }

    /// <summary>Whether another message may pass now.</summary>
    public bool Allows()
    {
        Refill();
        return (_messagesPerSecond == 0 || _messages >= 1) && (_bytesPerSecond == 0 || _bytes > 0);
    }

    /// <summary>Counts a message that passed.</summary>
    public void Take(int bytes)
    {
        _messages -= 1;
        _bytes -= bytes;
    }

    /// <summary>How long until <see cref="Allows"/> is true again (at least a millisecond, so a wait is never a spin).</summary>
    public TimeSpan UntilAllowed()
    {
        Refill();
        var seconds = 0.0;
        if (_messagesPerSecond > 0 && _messages < 1)
            seconds = (1 - _messages) / _messagesPerSecond;
        if (_bytesPerSecond > 0 && _bytes <= 0)
            seconds = Math.Max(seconds, (1 - _bytes) / _bytesPerSecond);
        return TimeSpan.FromMilliseconds(Math.Max(1, Math.Ceiling(seconds * 1000)));
    }

    private void Refill()
    {
        var now = _time.GetTimestamp();
        var elapsed = _time.GetElapsedTime(_refilledAt, now).TotalSeconds;
        _refilledAt = now;
        _messages = Math.Min(_messagesPerSecond, _messages + elapsed * _messagesPerSecond);
        _bytes = Math.Min(_bytesPerSecond, _bytes + elapsed * _bytesPerSecond);
    }
}
