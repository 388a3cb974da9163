using System.Diagnostics;
using System.Globalization;
using System.Text;
using System.Text.Json;

namespace MessageQueue.Benchmarks;

/// <summary>
/// A browser-like reader of one subject's event stream (GET /api/subjects/{subject}/events) on its own thread with
/// blocking reads, stamping each update event as its closing blank line is read. Updates carry the markers that
/// <see cref="SubscriberGroup"/> reads ("p7" a probe, "m42" a measured update), here as the event's "text".
/// </summary>
internal sealed class SseSubscriber : IDisposable
{
    private readonly HttpClient _client;
    private readonly HttpResponseMessage _response;
    private readonly Thread _thread;
    private readonly ManualResetEventSlim _joined = new();
    private SubscriberGroup.Round? _round;

    public SseSubscriber(Uri server, string subject)
    {
        _client = HttpChannel.CreateClient(server, Timeout.InfiniteTimeSpan);
        try
        {
            using var request = new HttpRequestMessage(HttpMethod.Get, $"{RestWorkloads.SubjectsPath}/{subject}/events");
            // Returns with the headers, which the gateway sends once the stream listens: no update is missed after this.
            _response = _client.Send(request, HttpCompletionOption.ResponseHeadersRead);
            _response.EnsureSuccessStatusCode();
        }
        catch
        {
            _client.Dispose();
            throw;
        }
        var body = _response.Content.ReadAsStream();
        _thread = new Thread(() => Read(body)) { IsBackground = true, Name = $"sse-{subject}" };
        _thread.Start();
    }

    /// <summary>Why the stream ended, when it ended before <see cref="Dispose"/>.</summary>
    public string? Ended { get; private set; }

    /// <summary>Waits until a probe has arrived on the stream.</summary>
    public bool WaitJoined(TimeSpan timeout) => _joined.Wait(timeout);

    /// <summary>Starts waiting for the update marked with <paramref name="number"/>; call just before sending it.</summary>
    public SubscriberGroup.Round Expect(long number)
    {
        var round = new SubscriberGroup.Round(number, subscribers: 1);
        Volatile.Write(ref _round, round);
        return round;
    }

    public void Dispose()
    {
        // Closing the response closes the connection, which ends the blocked read.
        _response.Dispose();
        _thread.Join(TimeSpan.FromSeconds(5));
        _client.Dispose();
        _joined.Dispose();
    }

    // On the reader thread only. Fields as the text/event-stream format defines them: "name: value", ":" a comment.
    private void Read(Stream body)
    {
        try
        {
            using var reader = new StreamReader(body, Encoding.UTF8);
            string? eventName = null;
            var data = new StringBuilder();
            while (reader.ReadLine() is { } line)
            {
                if (line.Length == 0)
                {
                    var receivedAt = Stopwatch.GetTimestamp();
                    if (eventName == "update" && data.Length > 0)
                        OnUpdate(data.ToString(), receivedAt);
                    eventName = null;
                    data.Clear();
                    continue;
                }
                var colon = line.IndexOf(':', StringComparison.Ordinal);
                var field = colon < 0 ? line : line[..colon];
                var value = colon < 0 ? "" : line[(colon + 1)..];
                if (value.StartsWith(' '))
                    value = value[1..];
                if (field == "event")
                    eventName = value;
                else if (field == "data")
                    data.Append(data.Length > 0 ? "\n" : "").Append(value);
            }
            Ended = "the server ended the stream";
        }
        catch (Exception ex) when (ex is IOException or ObjectDisposedException or HttpRequestException or JsonException)
        {
            Ended = ex.Message;
        }
    }

    private void OnUpdate(string json, long receivedAt)
    {
        using var document = JsonDocument.Parse(json);
        var text = document.RootElement.GetProperty("text").GetString() ?? "";
        if (text.Length < 2 || !long.TryParse(text.AsSpan(1), NumberStyles.None, CultureInfo.InvariantCulture, out var number))
            return;
        if (text[0] == 'p')
            _joined.Set();
        else if (text[0] == 'm' && Volatile.Read(ref _round) is { } round && round.Number == number)
            round.Arrived(receivedAt);
    }
}
