using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.SignalR;

namespace MessageQueue.Gateway.Realtime;

/// <summary>
/// Refusals of the application service as hub errors. The caller sees the message of a <see cref="HubException"/>:
/// "&lt;code&gt;[&lt;field&gt;]: &lt;sentence&gt;", e.g. "invalid[text]: An update needs some text.", so a page can show it next to the field.
/// </summary>
internal static class HubErrors
{
    public static T ValueOrThrow<T>(this SubjectResult<T> result) =>
        result.Error is { } error ? throw ToException(error) : result.Value!;

    public static HubException ToException(SubjectError error)
    {
        var field = error.Field is null ? "" : $"[{error.Field}]";
        return new HubException($"{Code(error.Kind)}{field}: {error.Message}");
    }

    private static string Code(SubjectErrorKind kind) => kind switch
    {
        SubjectErrorKind.Invalid => "invalid",
        SubjectErrorKind.TooLarge => "too-large",
        SubjectErrorKind.SubjectNotFound => "subject-not-found",
        SubjectErrorKind.UpdateNotFound => "update-not-found",
        SubjectErrorKind.EmailNotRegistered => "email-not-registered",
        SubjectErrorKind.Conflict => "conflict",
        SubjectErrorKind.Unavailable => "unavailable",
        _ => "error",
    };
}
