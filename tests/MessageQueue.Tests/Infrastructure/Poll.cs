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

    /// <summary>Reads every 50 ms until the value satisfies <paramref name="condition"/>, and returns it; fails with the last value read.</summary>
    public static async Task<T> ForAsync<T>(Func<Task<T>> read, Func<T, bool> condition, Func<T, string> failure, TimeSpan? timeout = null)
    {
        var value = await read();
        await UntilAsync(async () => condition(value = await read()), () => failure(value), timeout);
        return value;
    }

    public static Task UntilAsync(Func<bool> condition, Func<string> failure, TimeSpan? timeout = null) =>
        UntilAsync(() => Task.FromResult(condition()), failure, timeout);
}
