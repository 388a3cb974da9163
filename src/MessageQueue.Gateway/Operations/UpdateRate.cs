namespace MessageQueue.Gateway.Operations;

/// <summary>Counts accepted updates per second over the last minutes, for the overview's updates-per-minute chart.</summary>
public sealed class UpdateRate(TimeProvider time)
{
    private const int WindowSeconds = 600;
    private readonly long[] _second = new long[WindowSeconds];
    private readonly int[] _count = new int[WindowSeconds];
    private readonly Lock _gate = new();

    public void Record()
    {
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var slot = (int)(now % WindowSeconds);
        lock (_gate)
        {
            if (_second[slot] != now)
                (_second[slot], _count[slot]) = (now, 0);
            _count[slot]++;
        }
    }

    /// <summary>Updates in the minute before each of <paramref name="points"/> moments <paramref name="stepSeconds"/> apart, ending now.</summary>
    public int[] PerMinute(int points, int stepSeconds)
    {
        ArgumentOutOfRangeException.ThrowIfGreaterThan((points - 1) * stepSeconds + 60, WindowSeconds);
        var now = time.GetUtcNow().ToUnixTimeSeconds();
        var series = new int[points];
        lock (_gate)
        {
            for (var p = 0; p < points; p++)
            {
                var end = now - (long)(points - 1 - p) * stepSeconds;
                for (var second = end - 59; second <= end; second++)
                {
                    var slot = (int)(second % WindowSeconds);
                    if (_second[slot] == second)
                        series[p] += _count[slot];
                }
            }
        }
        return series;
    }
}
