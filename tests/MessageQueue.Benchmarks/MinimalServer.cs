using System.Text;
using System.Text.Json;
using MessageQueue.Gateway.Subjects;
using NetMQ;
using NetMQ.Sockets;

namespace MessageQueue.Benchmarks;

/// <summary>
/// The NetMQ ceiling: one thread, a ROUTER and a PUB socket, the legacy replies and nothing on disk. It keeps
/// each subject's accumulated content in memory (content = content + "\n" + text) only so that its publications
/// are the same size as the gateway's, which publishes the whole content too.
/// </summary>
internal static class MinimalServer
{
    public const string Command = "minimal-server";

    public static int Run() => Serve(onUpdate: null);

    /// <summary>
    /// Answers legacy requests on this thread until the parent exits. <paramref name="onUpdate"/> (subject, text) is
    /// called on this thread for every accepted "3", after its publication and before its reply.
    /// </summary>
    public static int Serve(Action<string, string>? onUpdate)
    {
        using var router = new RouterSocket();
        using var publisher = new PublisherSocket();
        router.Options.Linger = TimeSpan.Zero;
        publisher.Options.Linger = TimeSpan.Zero;
        router.Bind("tcp://127.0.0.1:0");
        publisher.Bind("tcp://127.0.0.1:0");

        ExitWithParent();
        Console.WriteLine($"Minimal NetMQ server answering on {router.Options.LastEndpoint}, publishing on {publisher.Options.LastEndpoint}");

        var contents = DefaultSubjects.All.ToDictionary(s => s.Name, s => s.Description, StringComparer.Ordinal);
        var frames = new List<byte[]>(4);
        while (true)
        {
            // A REQ peer's message is [identity, empty delimiter, body]: echo everything before the body.
            frames.Clear();
            var more = true;
            while (more)
                frames.Add(router.ReceiveFrameBytes(out more));

            var reply = Answer(frames[^1], contents, publisher, onUpdate);
            for (var i = 0; i < frames.Count - 1; i++)
                router.SendMoreFrame(frames[i]);
            router.SendFrame(reply);
        }
    }

    /// <summary>The parent holds our standard input open for as long as it wants us: when it exits, so do we.</summary>
    public static void ExitWithParent() =>
        new Thread(() =>
        {
            Console.In.ReadToEnd();
            Environment.Exit(0);
        }) { IsBackground = true, Name = "parent-watch" }.Start();

    private static byte[] Answer(byte[] body, Dictionary<string, string> contents, PublisherSocket publisher, Action<string, string>? onUpdate)
    {
        string? type, subject, text;
        try
        {
            (type, subject, text) = Parse(body);
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return Encoding.UTF8.GetBytes(LegacyFrames.InvalidRequest);
        }

        if (type == "1")
            return LegacyFrames.List.Reply;
        if (type is not ("2" or "3" or "4"))
            return Encoding.UTF8.GetBytes(LegacyFrames.InvalidRequest);
        if (subject is null || !contents.TryGetValue(subject, out var content))
        {
            var notExist = $"Not exist subject - {subject}. Try again!";
            return Encoding.UTF8.GetBytes(type == "2" ? SubscribeReply(notExist, "Fail") : notExist);
        }

        switch (type)
        {
            case "2":
                return Encoding.UTF8.GetBytes(SubscribeReply(content, LegacyFrames.Success));
            case "3":
                // The legacy rule, then the whole content is published, exactly like the gateway does.
                content = contents[subject] = content + "\n" + text;
                publisher.SendFrame(Encoding.UTF8.GetBytes($"{subject} {content}"));
                onUpdate?.Invoke(subject, text ?? "");
                return LegacyFrames.SuccessReply;
            default:
                return LegacyFrames.SuccessReply;
        }
    }

    // Python's json.dumps shape of the original server: {"data": ..., "isValid": ...}, spaces included.
    private static string SubscribeReply(string data, string isValid) =>
        $"{{\"data\": {JsonSerializer.Serialize(data)}, \"isValid\": \"{isValid}\"}}";

    /// <summary>Reads the string fields a legacy request may carry, as the gateway does: one pass, no document.</summary>
    private static (string? Type, string? Subject, string? Text) Parse(byte[] body)
    {
        string? type = null, subject = null, text = null;
        var reader = new Utf8JsonReader(body);
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            return (null, null, null);
        while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
        {
            var field = reader.ValueTextEquals("type"u8) ? 't'
                : reader.ValueTextEquals("subject"u8) ? 's'
                : reader.ValueTextEquals("updateMessage"u8) ? 'u'
                : '\0';
            reader.Read();
            if (field == '\0' || reader.TokenType != JsonTokenType.String)
            {
                reader.Skip();
                continue;
            }
            var value = reader.GetString();
            switch (field)
            {
                case 't': type = value; break;
                case 's': subject = value; break;
                default: text = value; break;
            }
        }
        return (type, subject, text);
    }
}
