using System.Text.Json;
using Microsoft.AspNetCore.Diagnostics;

namespace MessageQueue.Gateway.Api;

/// <summary>
/// Requests the framework could not bind (malformed or mistyped JSON, no body, a body too large, the wrong media type)
/// become problem details that say what was wrong and where, like the application service's own refusals.
/// </summary>
internal sealed class BadRequestProblems(IProblemDetailsService problems) : IExceptionHandler
{
    public async ValueTask<bool> TryHandleAsync(HttpContext httpContext, Exception exception, CancellationToken cancellationToken)
    {
        // A JSON body in a charset .NET does not know ("application/json; charset=bogus"): the framework throws
        // InvalidOperationException, not a bad request, so without this it would be a 500.
        if (exception is InvalidOperationException { InnerException: ArgumentException } && UnknownCharset(httpContext.Request) is { } charset)
        {
            httpContext.Response.StatusCode = StatusCodes.Status415UnsupportedMediaType;
            return await problems.TryWriteAsync(new()
            {
                HttpContext = httpContext,
                Exception = exception,
                ProblemDetails = new Microsoft.AspNetCore.Mvc.ProblemDetails
                {
                    Status = StatusCodes.Status415UnsupportedMediaType,
                    Title = "The request body must be JSON (Content-Type: application/json).",
                    Detail = $"The charset '{Subjects.Echo.Of(charset)}' is not one the gateway can read; send UTF-8.",
                },
            });
        }
        if (exception is not BadHttpRequestException badRequest)
            return false;

        var problem = badRequest.InnerException is JsonException json
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { [FieldOf(json.Path)] = [json.Message] })
            {
                Title = "The request body is not valid JSON for this operation.",
                Detail = json.Message,
            }
            : badRequest.StatusCode == StatusCodes.Status400BadRequest
            ? new HttpValidationProblemDetails(new Dictionary<string, string[]> { ["body"] = [badRequest.Message] })
            {
                Title = "The request is not valid.",
                Detail = badRequest.Message,
            }
            : new Microsoft.AspNetCore.Mvc.ProblemDetails
            {
                Title = badRequest.StatusCode switch
                {
                    StatusCodes.Status413PayloadTooLarge => "The request is too large.",
                    StatusCodes.Status415UnsupportedMediaType => "The request body must be JSON (Content-Type: application/json).",
                    _ => "The request could not be read.",
                },
                Detail = badRequest.Message,
            };
        problem.Status = badRequest.StatusCode;
        httpContext.Response.StatusCode = badRequest.StatusCode;
        return await problems.TryWriteAsync(new() { HttpContext = httpContext, ProblemDetails = problem, Exception = exception });
    }

    private static string? UnknownCharset(HttpRequest request)
    {
        if (!Microsoft.Net.Http.Headers.MediaTypeHeaderValue.TryParse(request.ContentType, out var mediaType) || mediaType.Charset.Value is not { } charset)
            return null;
        try
        {
            System.Text.Encoding.GetEncoding(charset.Trim('"'));
            return null;
        }
        catch (ArgumentException)
        {
            return charset;
        }
    }

    // "$.text" names the field "text"; "$" (the body as a whole) names it "body".
    private static string FieldOf(string? path) => path is null or "$" ? "body" : path.StartsWith("$.", StringComparison.Ordinal) ? path[2..] : path;
}
