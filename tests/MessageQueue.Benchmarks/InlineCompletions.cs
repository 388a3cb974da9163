namespace MessageQueue.Benchmarks;

/// <summary>
/// The runtime switch that runs socket completions on the epoll thread instead of hopping to the thread pool.
/// NetMQ's I/O thread sits behind such completions, so the hop is on every message's path.
/// </summary>
internal static class InlineCompletions
{
    public const string Variable = "DOTNET_SYSTEM_NET_SOCKETS_INLINE_COMPLETIONS";

    /// <summary>Whether this process runs with it (the runtime only honours exactly "1").</summary>
    public static bool InThisProcess => Environment.GetEnvironmentVariable(Variable) == "1";
}
