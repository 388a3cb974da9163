using System.Text.Json;

namespace MessageQueue.Tests.Infrastructure;

/// <summary>One server-sent event as it came off the wire.</summary>
public sealed record ServerSentEvent(string? Id, string Event, string Data)
{
    public JsonElement Json => JsonDocument.Parse(Data).RootElement;

    public long Sequence => long.Parse(Id!, System.Globalization.CultureInfo.InvariantCulture);
}

/// <summary>A text/event-stream reader over a real HTTP response, parsing events as EventSource does.</summary>
public sealed class EventStreamClient : IAsyncDisposable
{
    public static readonly TimeSpan Timeout = TimeSpan.FromSeconds(10);

    private readonly HttpResponseMessage _response;
    private readonly StreamReader _reader;

    private EventStreamClient(HttpResponseMessage response, Stream body)
    {
        _response = response;
        _reader = new StreamReader(body);
    }

    /// <summary>Lines that were comments (": ..."), in order; the opening one says where the stream starts.</summary>
    public List<string> Comments { get; } = [];

    public int? Retry { get; private set; }

    public static async Task<EventStreamClient> OpenAsync(HttpClient http, string path, string? lastEventId = null)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, path);
        request.Headers.Accept.ParseAdd("text/event-stream");
        if (lastEventId is not null)
            request.Headers.Add("Last-Event-ID", lastEventId);
        var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead);
        Assert.Equal(System.Net.HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/event-stream", response.Content.Headers.ContentType?.MediaType);
        var client = new EventStreamClient(response, await response.Content.ReadAsStreamAsync());
        await client.ReadOpeningAsync();
        return client;
    }

    /// <summary>The next event; fails the test if none comes in time.</summary>
    public async Task<ServerSentEvent> NextAsync(TimeSpan? timeout = null, CancellationToken cancellationToken = default)
    {
        using var cancel = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        cancel.CancelAfter(timeout ?? Timeout);
        string? id = null, type = null;
        var data = new List<string>();
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancel.Token) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.Length == 0)
            {
                if (data.Count > 0 || type is not null)
                    return new ServerSentEvent(id, type ?? "message", string.Join('\n', data));
                continue;
            }
            if (line.StartsWith(':'))
                Comments.Add(line[1..].Trim());
            else if (line.StartsWith("id: ", StringComparison.Ordinal))
                id = line[4..];
            else if (line.StartsWith("event: ", StringComparison.Ordinal))
                type = line[7..];
            else if (line.StartsWith("data: ", StringComparison.Ordinal))
                data.Add(line[6..]);
            else if (line.StartsWith("retry: ", StringComparison.Ordinal))
                Retry = int.Parse(line[7..], System.Globalization.CultureInfo.InvariantCulture);
        }
    }

    /// <summary>Reads lines until a comment arrives and returns it; fails the test if an event or nothing comes first.</summary>
    public async Task<string> NextCommentAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Timeout);
        while (true)
        {
            var line = await _reader.ReadLineAsync(cancel.Token) ?? throw new EndOfStreamException("The event stream ended.");
            if (line.StartsWith(':'))
                return line[1..].Trim();
            Assert.True(line.Length == 0, $"Expected a comment, got '{line}'.");
        }
    }

    /// <summary>True when the server ended the stream: no more lines arrive.</summary>
    public async Task<bool> EndsAsync(TimeSpan? timeout = null)
    {
        using var cancel = new CancellationTokenSource(timeout ?? Timeout);
        return await _reader.ReadLineAsync(cancel.Token) is null;
    }

    private async Task ReadOpeningAsync()
    {
        // The opening block: retry and a comment, then a blank line.
        using var cancel = new CancellationTokenSource(Timeout);
        string? line;
        while ((line = await _reader.ReadLineAsync(cancel.Token)) is { Length: > 0 })
        {
            if (line.StartsWith("retry: ", StringComparison.Ordinal))
                Retry = int.Parse(line[7..], System.Globalization.CultureInfo.InvariantCulture);
            else if (line.StartsWith(':'))
                Comments.Add(line[1..].Trim());
        }
    }

    public ValueTask DisposeAsync()
    {
        _reader.Dispose();
        _response.Dispose();
        return ValueTask.CompletedTask;
    }
}
