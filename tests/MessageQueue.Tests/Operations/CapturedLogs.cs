using System.Collections.Concurrent;
using Microsoft.Extensions.Logging;

namespace MessageQueue.Tests.Operations;

/// <summary>One log entry as a provider saw it: its category, level, text and structured fields, and the thread that wrote it (if named).</summary>
internal sealed record CapturedLog(string Category, LogLevel Level, EventId EventId, string Message, IReadOnlyDictionary<string, object?> Fields, Exception? Exception = null, string? Thread = null)
{
    /// <summary>What a text sink would write for this entry: the message, then the exception with its stack.</summary>
    public string Text => Exception is null ? Message : $"{Message}\n{Exception}";

    public string? Field(string name) => Fields.TryGetValue(name, out var value) ? Convert.ToString(value, System.Globalization.CultureInfo.InvariantCulture) : null;
}

/// <summary>A logger provider that keeps every entry, for tests that look for what the gateway logged.</summary>
internal sealed class CapturedLogs : ILoggerProvider
{
    private readonly ConcurrentQueue<CapturedLog> _entries = new();

    public IReadOnlyList<CapturedLog> Entries => [.. _entries];

    public ILogger CreateLogger(string categoryName) => new Logger(this, categoryName);

    public void Dispose()
    {
    }

    private sealed class Logger(CapturedLogs owner, string category) : ILogger
    {
        public IDisposable? BeginScope<TState>(TState state)
            where TState : notnull => null;

        public bool IsEnabled(LogLevel logLevel) => true;

        public void Log<TState>(LogLevel logLevel, EventId eventId, TState state, Exception? exception, Func<TState, Exception?, string> formatter)
        {
            var fields = state is IReadOnlyList<KeyValuePair<string, object?>> pairs
                ? pairs.GroupBy(p => p.Key).ToDictionary(g => g.Key, g => g.First().Value)
                : [];
            owner._entries.Enqueue(new CapturedLog(category, logLevel, eventId, formatter(state, exception), fields, exception, System.Threading.Thread.CurrentThread.Name));
        }
    }
}
