using System.Text;
using System.Text.Json;
using MessageQueue.Gateway.Subjects;

namespace MessageQueue.Benchmarks;

/// <summary>A request and the reply it must get: the whole reply, or (for replies that carry content) its ending.</summary>
internal sealed record Exchange(byte[] Request, byte[] Reply, bool ReplyIsEnding = false)
{
    public bool Accepts(ReadOnlySpan<byte> reply) => ReplyIsEnding ? reply.EndsWith(Reply) : reply.SequenceEqual(Reply);
}

/// <summary>The legacy protocol's frames that both sides of the benchmark use (docs/legacy-protocol.md).</summary>
internal static class LegacyFrames
{
    public const string Success = "isSuccess";
    public const string InvalidRequest = "Invalid Request. Please try again.";

    public static IReadOnlyList<string> Subjects { get; } = [.. DefaultSubjects.All.Select(s => s.Name)];

    public static byte[] SuccessReply { get; } = Encoding.UTF8.GetBytes(Success);

    /// <summary>Type "1" and its exact reply: every subject in brackets, one space between.</summary>
    public static Exchange List { get; } = new(
        """{"type":"1"}"""u8.ToArray(),
        Encoding.UTF8.GetBytes(string.Join(' ', Subjects.Select(n => $"[{n}]"))));

    public static byte[] UpdateRequest(string subject, string text) =>
        JsonSerializer.SerializeToUtf8Bytes(new { type = "3", subject, updateMessage = text });

    public static Exchange Update(string subject, string text) => new(UpdateRequest(subject, text), SuccessReply);

    /// <summary>Type "2": its reply carries the subject's content, so only the success ending is checked.</summary>
    public static Exchange Register(string subject, string email) => new(
        JsonSerializer.SerializeToUtf8Bytes(new { type = "2", email, subject }),
        Encoding.UTF8.GetBytes($"\"isValid\": \"{Success}\"}}"),
        ReplyIsEnding: true);

    public static Exchange Unregister(string subject, string email) =>
        new(JsonSerializer.SerializeToUtf8Bytes(new { type = "4", subject, email }), SuccessReply);
}
