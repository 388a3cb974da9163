using System.Collections.Immutable;
using System.Text;
using System.Text.Encodings.Web;
using System.Text.Json;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Subjects;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Legacy;

/// <summary>
/// The legacy door's translation: a request frame in, a reply frame out, in the exact shapes of the original
/// server (docs/legacy-protocol.md). Every outcome, including every error, is a reply.
/// </summary>
internal sealed class LegacyRequestHandler(SubjectService subjects, DoorTelemetry telemetry, IOptions<ZmqOptions> options)
{
    public const string Success = "isSuccess";
    public const string InvalidRequest = "Invalid Request. Please try again.";

    private static readonly JsonSerializerOptions ReplyJson = new() { Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping };

    /// <summary>The reply to "3" and "4" when Zmq:AllowChanges is false: a plain string, the failure shape of both.</summary>
    public const string ReadOnly = "This ZeroMQ door is read-only: post updates and remove addresses over the gateway's REST API or hub, with a key.";

    private readonly int _maxRequestBytes = options.Value.MaxRequestBytes;
    private readonly bool _allowChanges = options.Value.AllowChanges;
    private ListReply _listReply = new([], []);

    /// <summary>
    /// Answers one request frame. Reads finish at once; changes finish when the store has committed them. Each
    /// outcome is counted here, except a failure of this method itself, which the door counts.
    /// </summary>
    /// <remarks>
    /// Called on the door's poller thread, whose synchronization context is the poller itself: every await here
    /// uses ConfigureAwait(false) so continuations never queue onto the poller (nor fail once it has stopped).
    /// </remarks>
    public ValueTask<byte[]> Handle(ReadOnlySpan<byte> frame)
    {
        if (frame.Length > _maxRequestBytes)
            return Refused(TooLarge(LegacyRequest.PeekType(frame)));

        var request = LegacyRequest.Decode(frame);
        if (request.Problem is not null)
            return Refused(Refuse(request.Type, request.Problem));

        switch (request.Type)
        {
            case "1":
                telemetry.Request(Door.Zmq, RequestOutcome.Ok);
                return new ValueTask<byte[]>(ListSubjects());
            case "2":
                return new ValueTask<byte[]>(SubscribeAsync(request));
            case "3" or "4" when !_allowChanges:
                return Refused(Encode(ReadOnly));
            case "3":
                return new ValueTask<byte[]>(AddContentAsync(request));
            case "4":
                return new ValueTask<byte[]>(UnsubscribeAsync(request));
            default:
                return Refused(Encode(InvalidRequest));
        }
    }

    /// <summary>The reply for a request that could not even be read as one frame.</summary>
    public static byte[] MalformedEnvelope() => Encode(InvalidRequest);

    /// <summary>The reply when the gateway failed unexpectedly; the client still gets an answer.</summary>
    public static byte[] ServerError(string? type) => Refuse(type, "The server could not handle the request.");

    private byte[] ListSubjects()
    {
        // Subjects change rarely and the list is asked often: the encoded reply is cached per catalog version.
        var names = subjects.SubjectNames;
        var cached = _listReply;
        if (cached.Names != names)
            _listReply = cached = new ListReply(names, Encode(string.Join(' ', names.Select(n => $"[{n}]"))));
        return cached.Reply;
    }

    private sealed record ListReply(ImmutableArray<string> Names, byte[] Reply);

    private async Task<byte[]> SubscribeAsync(LegacyRequest request)
    {
        var result = await subjects.RegisterEmailAsync(request.Subject, request.Email).ConfigureAwait(false);
        telemetry.Request(Door.Zmq, result);
        return result.Error is { } error
            ? SubscribeReply(PlainError(error, request.Subject), "Fail")
            : SubscribeReply(result.Value!.Subject.Content, Success);
    }

    private async Task<byte[]> AddContentAsync(LegacyRequest request)
    {
        var result = await subjects.PostUpdateAsync(request.Subject, request.UpdateMessage, Origins.Zmq).ConfigureAwait(false);
        telemetry.Request(Door.Zmq, result);
        if (result.Value is { } update)
            telemetry.Accepted(update);
        return Encode(result.Error is { } error ? PlainError(error, request.Subject) : Success);
    }

    private async Task<byte[]> UnsubscribeAsync(LegacyRequest request)
    {
        var result = await subjects.UnregisterEmailAsync(request.Subject, request.Email).ConfigureAwait(false);
        telemetry.Request(Door.Zmq, result);
        return Encode(result.Error is { } error ? PlainError(error, request.Subject) : Success);
    }

    private byte[] TooLarge(string? type) =>
        Refuse(type, $"The request is larger than {_maxRequestBytes} bytes.");

    /// <summary>An error in the shape the client of that request type expects.</summary>
    private static byte[] Refuse(string? type, string problem) =>
        type == "2" ? SubscribeReply(AsSentence(problem), "Fail") : Encode(type is "3" or "4" ? AsSentence(problem) : InvalidRequest);

    // The original answered "Not exist subject" for any name it did not know, well-formed or not.
    private static string PlainError(SubjectError error, string? subject) =>
        error.Kind == SubjectErrorKind.SubjectNotFound || (error.Field == "subject" && !string.IsNullOrEmpty(subject))
            ? NotExist(subject) : AsSentence(error);

    private static string NotExist(string? subject) => $"Not exist subject - {Echo.Of(subject)}. Try again!";

    private static string AsSentence(SubjectError error) => AsSentence(error.Message);

    private static string AsSentence(string message) => $"{message} Try again!";

    // The original server replied with Python's json.dumps: {"data": ..., "isValid": ...}, spaces included.
    private static byte[] SubscribeReply(string data, string isValid) =>
        Encode($"{{\"data\": {JsonSerializer.Serialize(data, ReplyJson)}, \"isValid\": \"{isValid}\"}}");

    private static byte[] Encode(string reply) => Encoding.UTF8.GetBytes(reply);

    private ValueTask<byte[]> Refused(byte[] reply)
    {
        telemetry.Request(Door.Zmq, RequestOutcome.Refused);
        return new(reply);
    }
}
