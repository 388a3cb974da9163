using System.Buffers;
using System.Text;
using System.Text.Json;

namespace MessageQueue.Gateway.Api;

/// <summary>
/// The text/event-stream encoding: an update is <c>id: &lt;sequence&gt;</c>, <c>event: update</c> and one line of JSON,
/// so a browser's EventSource resumes by sequence number and <c>curl -N</c> shows one readable line per update.
/// </summary>
internal static class ServerSentEvents
{
    public static byte[] Update(UpdateResource update)
    {
        var buffer = new ArrayBufferWriter<byte>(256);
        Append(buffer, $"id: {update.Sequence}\nevent: update\ndata: ");
        using (var json = new Utf8JsonWriter(buffer)) // compact: JSON escapes every newline, so the data is one line
            JsonSerializer.Serialize(json, update, ApiJson.Options);
        Append(buffer, "\n\n");
        return buffer.WrittenSpan.ToArray();
    }

    /// <summary>The stream's first bytes: the reconnection delay and a comment saying where it starts.</summary>
    public static byte[] Opening(string subject, long afterSequence, int retryMilliseconds) =>
        Encoding.UTF8.GetBytes($"retry: {retryMilliseconds}\n: updates of {subject} after sequence {afterSequence}\n\n");

    /// <summary>The last event of a stream whose subject was deleted.</summary>
    public static byte[] Deleted(string subject) =>
        Encoding.UTF8.GetBytes($"event: deleted\ndata: {JsonSerializer.Serialize(new { subject }, ApiJson.Options)}\n\n");

    public static readonly byte[] KeepAlive = ": keep-alive\n\n"u8.ToArray();

    private static void Append(ArrayBufferWriter<byte> buffer, string text) =>
        buffer.Advance(Encoding.UTF8.GetBytes(text, buffer.GetSpan(Encoding.UTF8.GetMaxByteCount(text.Length))));
}
