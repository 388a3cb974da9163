using System.Diagnostics;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>Waiting for a state nothing signals (files appearing, another process's store), with a deadline.</summary>
public static class Poll
{
    public static readonly TimeSpan DefaultTimeout = TimeSpan.FromSeconds(20);

    /// <summary>Checks every 50 ms until <paramref name="condition"/> holds; fails the test with <paramref name="failure"/> after the timeout.</summary>
    public static async Task UntilAsync(Func<Task<bool>> condition, Func<string> failure, TimeSpan? timeout = null)
    {
        var waited = Stopwatch.StartNew();
        using var tick = new PeriodicTimer(TimeSpan.FromMilliseconds(50));
        while (!await condition())
        {
            if (waited.Elapsed > (timeout ?? DefaultTimeout))
                Assert.Fail(failure());
            await tick.WaitForNextTickAsync();
        }
    }

    public static Task UntilAsync(Func<bool> condition, Func<string> failure, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), failure, timeout);
}
