namespace MessageQueue.Benchmarks;

/// <summary>What each load client sends, by client index: the exchanges it goes round, in order.</summary>
internal static class Workloads
{
    /// <summary>Short, so the subjects' content (content = content + "\n" + text) grows as little as possible.</summary>
    public const string UpdateText = "u";

    public static Func<int, IReadOnlyList<Exchange>> List { get; } = _ => [LegacyFrames.List];

    /// <summary>Updates going round the given subjects, each client starting on a different one so load spreads evenly.</summary>
    public static Func<int, IReadOnlyList<Exchange>> Updates(IReadOnlyList<string> subjects) =>
        client => [.. RoundFrom(subjects, client).Select(subject => LegacyFrames.Update(subject, UpdateText))];

    /// <summary>
    /// Each client registers and unregisters its own email on every subject in turn: the same store writer and
    /// commit path as an update, but it leaves every subject's content as it was.
    /// </summary>
    public static Func<int, IReadOnlyList<Exchange>> EmailChurn { get; } =
        client => [.. RoundFrom(LegacyFrames.Subjects, client).SelectMany(subject => new[]
        {
            LegacyFrames.Register(subject, $"bench{client}@example.com"),
            LegacyFrames.Unregister(subject, $"bench{client}@example.com"),
        })];

    public static Func<int, IReadOnlyList<Exchange>> For(RequestKind kind) => kind switch
    {
        RequestKind.List => List,
        RequestKind.Update => Updates(LegacyFrames.Subjects),
        _ => throw new ArgumentOutOfRangeException(nameof(kind), kind, "Not a legacy request."),
    };

    /// <summary>Every subject once, starting at the client's index.</summary>
    public static IEnumerable<string> RoundFrom(IReadOnlyList<string> subjects, int client) =>
        Enumerable.Range(0, subjects.Count).Select(k => subjects[(client + k) % subjects.Count]);
}
