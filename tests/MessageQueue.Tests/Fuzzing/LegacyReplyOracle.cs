using System.Text.Json;
using System.Text.RegularExpressions;
using System.Text.Unicode;

namespace MessageQueue.Tests.Fuzzing;

/// <summary>
/// Judges a legacy reply against its request without re-implementing the gateway: the reply must be in one of the
/// protocol's shapes, the shape of the request's type, and a success only for a request that is valid UTF-8 JSON.
/// It also follows what accepted requests change, so a test can check that nothing else changed.
/// </summary>
internal sealed partial class LegacyReplyOracle
{
    public const string InvalidRequest = "Invalid Request. Please try again.";

    private readonly Dictionary<string, Tracked> _subjects = new(StringComparer.Ordinal);
    private readonly List<string> _order = [];

    public LegacyReplyOracle(IEnumerable<(string Name, string Content)> subjects)
    {
        foreach (var (name, content) in subjects)
        {
            _subjects[name] = new Tracked(content);
            _order.Add(name);
        }
    }

    /// <summary>Every publication the accepted updates should have caused, in order: "&lt;subject&gt; &lt;whole content&gt;".</summary>
    public List<string> ExpectedPublications { get; } = [];

    public int AcceptedUpdates { get; private set; }

    /// <summary>Requests accepted although the frame holds invalid UTF-8 outside the protocol's fields.</summary>
    public int InvalidUtf8Ignored { get; private set; }

    public string ContentOf(string subject) => _subjects[subject].Content;

    public int EmailCountOf(string subject) => _subjects[subject].Emails.Count;

    public IReadOnlyList<string> Subjects => _order;

    private enum Shape { InvalidRequest, List, SubscribeSuccess, SubscribeFail, Success, Sentence, Unknown }

    /// <summary>Null when <paramref name="reply"/> is right for <paramref name="request"/>; otherwise what is wrong.</summary>
    public string? Judge(byte[] request, string reply)
    {
        var shape = ShapeOf(reply);
        if (shape == Shape.Unknown)
            return $"the reply is in none of the protocol's shapes: '{reply}'";

        var parsed = Parse(request);
        if (parsed is not null && (shape is Shape.List or Shape.Success or Shape.SubscribeSuccess) && !Utf8.IsValid(request))
            InvalidUtf8Ignored++;
        if (parsed is null)
        {
            return shape is Shape.InvalidRequest or Shape.SubscribeFail or Shape.Sentence
                ? null
                : $"a request that is not valid UTF-8 JSON was accepted: '{reply}'";
        }

        var (type, subject, email, text, mistyped) = parsed.Value;
        switch (type)
        {
            case "1":
                if (mistyped)
                    return shape == Shape.InvalidRequest ? null : $"expected '{InvalidRequest}' for a mistyped \"1\", got '{reply}'";
                var list = string.Join(' ', _order.Select(n => $"[{n}]"));
                return reply == list ? null : $"expected the list '{list}', got '{reply}'";

            case "2":
                if (shape == Shape.SubscribeFail)
                    return null;
                if (shape != Shape.SubscribeSuccess || mistyped)
                    return $"expected a subscribe reply ({{\"data\": ..., \"isValid\": ...}}), got '{reply}'";
                if (!_subjects.TryGetValue(subject!, out var registered))
                    return $"'{subject}' is not a subject, yet the registration succeeded: '{reply}'";
                var data = JsonDocument.Parse(reply).RootElement.GetProperty("data").GetString();
                if (data != registered.Content)
                    return $"the subscribe reply's data is not the subject's content:\nexpected '{registered.Content}'\ngot '{data}'";
                registered.Emails.Add(email!.ToLowerInvariant());
                return null;

            case "3" or "4":
                if (shape == Shape.Sentence)
                    return null;
                if (shape != Shape.Success || mistyped)
                    return $"expected 'isSuccess' or a sentence ending 'Try again!' for a \"{type}\", got '{reply}'";
                if (!_subjects.TryGetValue(subject!, out var target))
                    return $"'{subject}' is not a subject, yet the request succeeded";
                if (type == "4")
                    return target.Emails.Remove(email!.ToLowerInvariant()) ? null : $"'{email}' was never registered on '{subject}', yet it was removed";
                if (string.IsNullOrWhiteSpace(text))
                    return "an update without text was accepted";
                target.Content = target.Content + "\n" + text;
                ExpectedPublications.Add($"{subject} {target.Content}");
                AcceptedUpdates++;
                return null;

            default:
                return shape == Shape.InvalidRequest ? null : $"expected '{InvalidRequest}' for type '{type}', got '{reply}'";
        }
    }

    /// <summary>
    /// The request as the gateway reads it: null unless the frame is one JSON object whose protocol fields are valid
    /// UTF-8. The last string value of each field counts (as a JSON reader going front to back sees it); a field of
    /// another type makes the request mistyped. Like the gateway, it does not decode what the protocol ignores: invalid
    /// UTF-8 in an unknown field's name or value passes (<see cref="InvalidUtf8Ignored"/> counts those accepted).
    /// </summary>
    private static (string? Type, string? Subject, string? Email, string? Text, bool Mistyped)? Parse(byte[] request)
    {
        string? type = null, subject = null, email = null, text = null;
        var mistyped = false;
        try
        {
            using var document = JsonDocument.Parse(request);
            if (document.RootElement.ValueKind != JsonValueKind.Object)
                return null;
            foreach (var property in document.RootElement.EnumerateObject())
            {
                var name = property.NameEquals("type"u8) ? "type" : property.NameEquals("subject"u8) ? "subject"
                    : property.NameEquals("email"u8) ? "email" : property.NameEquals("updateMessage"u8) ? "updateMessage" : null;
                if (name is null)
                    continue;
                if (property.Value.ValueKind != JsonValueKind.String)
                {
                    mistyped = true;
                    continue;
                }
                var value = property.Value.GetString();
                switch (name)
                {
                    case "type": type = value; break;
                    case "subject": subject = value; break;
                    case "email": email = value; break;
                    default: text = value; break;
                }
            }
        }
        catch (Exception ex) when (ex is JsonException or InvalidOperationException)
        {
            return null; // InvalidOperationException: an escaped lone surrogate that no string can hold
        }
        return (type, subject, email, text, mistyped);
    }

    private static Shape ShapeOf(string reply)
    {
        if (reply == InvalidRequest)
            return Shape.InvalidRequest;
        if (reply == "isSuccess")
            return Shape.Success;
        if (SubscribeReply().Match(reply) is { Success: true } subscribe)
        {
            try
            {
                var root = JsonDocument.Parse(reply).RootElement;
                if (root.GetProperty("data").ValueKind == JsonValueKind.String)
                    return subscribe.Groups[1].Value == "isSuccess" ? Shape.SubscribeSuccess : Shape.SubscribeFail;
            }
            catch (JsonException)
            {
            }
            return Shape.Unknown;
        }
        if (ListReply().IsMatch(reply))
            return Shape.List;
        return reply.EndsWith(" Try again!", StringComparison.Ordinal) && reply.Length > " Try again!".Length ? Shape.Sentence : Shape.Unknown;
    }

    [GeneratedRegex("""^\{"data": ".*", "isValid": "(Fail|isSuccess)"\}$""", RegexOptions.Singleline)]
    private static partial Regex SubscribeReply();

    [GeneratedRegex(@"^\[[^\]\s]+\]( \[[^\]\s]+\])*$")]
    private static partial Regex ListReply();

    private sealed class Tracked(string content)
    {
        public string Content { get; set; } = content;

        public HashSet<string> Emails { get; } = new(StringComparer.Ordinal);
    }
}
