using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.Http.HttpResults;

namespace MessageQueue.Gateway.Api;

/// <summary>The application service's refusals as RFC 9457 problem details, with the offending field spelled out.</summary>
internal static class ApiProblems
{
    public static ProblemHttpResult From(SubjectError error)
    {
        var status = error.Kind switch
        {
            SubjectErrorKind.Invalid => StatusCodes.Status400BadRequest,
            SubjectErrorKind.TooLarge => StatusCodes.Status413PayloadTooLarge,
            SubjectErrorKind.SubjectNotFound or SubjectErrorKind.UpdateNotFound or SubjectErrorKind.EmailNotRegistered => StatusCodes.Status404NotFound,
            SubjectErrorKind.Conflict => StatusCodes.Status409Conflict,
            _ => StatusCodes.Status503ServiceUnavailable,
        };
        var problem = error.Field is { } field
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [field] = [error.Message] })
            : new Microsoft.AspNetCore.Mvc.ProblemDetails();
        problem.Status = status;
        problem.Title = Title(error.Kind);
        problem.Detail = error.Message;
        return TypedResults.Problem(problem);
    }

    private static string Title(SubjectErrorKind kind) => kind switch
    {
        SubjectErrorKind.Invalid => "The request is not valid.",
        SubjectErrorKind.TooLarge => "The request is too large.",
        SubjectErrorKind.SubjectNotFound => "The subject does not exist.",
        SubjectErrorKind.UpdateNotFound => "The update does not exist.",
        SubjectErrorKind.EmailNotRegistered => "The email is not registered on the subject.",
        SubjectErrorKind.Conflict => "The request conflicts with the current state.",
        _ => "The gateway cannot take the change now.",
    };
}
