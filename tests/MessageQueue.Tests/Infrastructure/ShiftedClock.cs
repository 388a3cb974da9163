namespace MessageQueue.Tests.Infrastructure;

/// <summary>The system clock, moved forward on demand: a test reaches an expiry without waiting for it.</summary>
public sealed class ShiftedClock : TimeProvider
{
    private long _shiftTicks;

    public override DateTimeOffset GetUtcNow() => base.GetUtcNow().AddTicks(Interlocked.Read(ref _shiftTicks));

    public void Advance(TimeSpan by) => Interlocked.Add(ref _shiftTicks, by.Ticks);
}
