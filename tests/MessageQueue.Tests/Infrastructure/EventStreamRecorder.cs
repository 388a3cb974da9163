namespace MessageQueue.Tests.Infrastructure;

/// <summary>
/// An event stream read in the background from its opening to its end (the server went away) or until disposed,
/// keeping every event in arrival order: for tests that watch several streams while something else happens.
/// </summary>
public sealed class EventStreamRecorder : IAsyncDisposable
{
    private readonly EventStreamClient _stream;
    private readonly List<ServerSentEvent> _events = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly Task _reading;

    private EventStreamRecorder(EventStreamClient stream)
    {
        _stream = stream;
        _reading = Task.Run(ReadAsync);
    }

    /// <summary>The opening comment, which says after which sequence number the stream starts.</summary>
    public string Opening => _stream.Comments[0];

    /// <summary>Completes when the stream has ended (or broke off) and no more events will come.</summary>
    public Task Ended => _reading;

    /// <summary>Why the stream ended: the exception that ended the reading, null while it runs or when disposed.</summary>
    public Exception? EndedBy { get; private set; }

    public static async Task<EventStreamRecorder> OpenAsync(HttpClient http, string path, string? lastEventId = null) =>
        new(await EventStreamClient.OpenAsync(http, path, lastEventId));

    /// <summary>The events received so far.</summary>
    public IReadOnlyList<ServerSentEvent> Events
    {
        get
        {
            lock (_events)
                return [.. _events];
        }
    }

    /// <summary>The sequence number of the newest event so far; 0 before the first.</summary>
    public long LastSequence
    {
        get
        {
            lock (_events)
                return _events.Count == 0 ? 0 : _events[^1].Sequence;
        }
    }

    private async Task ReadAsync()
    {
        try
        {
            while (true)
            {
                var next = await _stream.NextAsync(System.Threading.Timeout.InfiniteTimeSpan, _stop.Token);
                lock (_events)
                    _events.Add(next);
            }
        }
        catch (OperationCanceledException) when (_stop.IsCancellationRequested)
        {
        }
        catch (Exception ex) when (ex is IOException or OperationCanceledException)
        {
            // EndOfStreamException (a clean end) or a connection reset: the server is gone.
            EndedBy = ex;
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await _reading;
        await _stream.DisposeAsync();
        _stop.Dispose();
    }
}
