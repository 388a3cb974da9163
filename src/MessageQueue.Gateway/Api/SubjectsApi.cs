using System.Globalization;
using System.Security.Claims;
using MessageQueue.Gateway.Email;
using MessageQueue.Gateway.Operations;
using MessageQueue.Gateway.Security;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.Authorization;
using Microsoft.AspNetCore.Http.HttpResults;
using Microsoft.AspNetCore.Mvc;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Api;

/// <summary>The REST door: decodes HTTP, calls <see cref="SubjectService"/>, encodes the result or a problem.</summary>
public static class SubjectsApi
{
    public static RouteGroupBuilder MapSubjectsApi(this IEndpointRouteBuilder app)
    {
        var subjects = app.MapGroup("/api/subjects").WithTags("Subjects");

        // Every refusal is a problem document; 400 also names the offending fields.
        subjects.MapGet("/", ListSubjects).WithName(nameof(ListSubjects));
        subjects.MapPost("/", CreateSubject).WithName(nameof(CreateSubject)).Needs(ApiPolicies.Administer).RefusesWith(400, 409, 413, 415, 503);
        subjects.MapGet("/{subject}", GetSubject).WithName(nameof(GetSubject)).RefusesWith(400, 404);
        subjects.MapDelete("/{subject}", DeleteSubject).WithName(nameof(DeleteSubject)).Needs(ApiPolicies.Administer).RefusesWith(400, 404, 503);

        subjects.MapGet("/{subject}/updates", ListUpdates).WithName(nameof(ListUpdates)).RefusesWith(400, 404);
        subjects.MapGet("/{subject}/updates/{sequence:long}", GetUpdate).WithName(nameof(GetUpdate)).RefusesWith(400, 404);
        subjects.MapPost("/{subject}/updates", PostUpdate).WithName(nameof(PostUpdate)).Needs(ApiPolicies.Publish).RefusesWith(400, 404, 413, 415, 503);

        subjects.MapPost("/{subject}/subscriptions", RegisterEmail).WithName(nameof(RegisterEmail)).RefusesWith(400, 404, 413, 415, 503);
        subjects.MapPut("/{subject}/subscriptions/{email}", SetMailMode).WithName(nameof(SetMailMode)).RefusesWith(400, 401, 404, 413, 415, 503);
        subjects.MapDelete("/{subject}/subscriptions/{email}", UnregisterEmail).WithName(nameof(UnregisterEmail)).RefusesWith(400, 401, 404, 503);

        subjects.MapGet("/{subject}/events", StreamEvents).WithName(nameof(StreamEvents)).RefusesWith(400, 404);
        return subjects;
    }

    /// <summary>Lists every subject.</summary>
    /// <remarks>Each subject with its newest sequence number, the time of its newest update and how many emails are registered, in creation order.</remarks>
    internal static Ok<SubjectSummary[]> ListSubjects(SubjectService subjects) =>
        TypedResults.Ok(subjects.ListSubjects().Select(SubjectSummary.From).ToArray());

    /// <summary>Creates a subject.</summary>
    /// <remarks>
    /// The new subject is listed at once by every door, the legacy "1" request included. A name that starts another
    /// subject's name, or that another name starts, is refused (409): legacy ZeroMQ subscribers filter by prefix.
    /// </remarks>
    /// <response code="201">Created; Location is the subject's URL.</response>
    internal static async Task<Results<Created<SubjectDetails>, ProblemHttpResult>> CreateSubject(CreateSubjectRequest request, SubjectService subjects)
    {
        var result = await subjects.CreateSubjectAsync(request.Name, request.Content);
        return result.Value is { } created
            ? TypedResults.Created(SubjectPath(created.Name), SubjectDetails.From(created))
            : ApiProblems.From(result.Error!);
    }

    /// <summary>Gets one subject with its whole current content.</summary>
    /// <remarks>The content is what legacy subscribers receive: the initial content, then every update's text on its own line.</remarks>
    /// <param name="subject">The subject's name.</param>
    internal static Results<Ok<SubjectDetails>, ProblemHttpResult> GetSubject(string subject, SubjectService subjects)
    {
        var result = subjects.GetSubject(subject);
        return result.Value is { } found ? TypedResults.Ok(SubjectDetails.From(found)) : ApiProblems.From(result.Error!);
    }

    /// <summary>Deletes a subject with its history and registered emails.</summary>
    /// <remarks>Open event streams on it receive a final "deleted" event and end.</remarks>
    /// <param name="subject">The subject's name.</param>
    /// <response code="204">Deleted.</response>
    internal static async Task<Results<NoContent, ProblemHttpResult>> DeleteSubject(string subject, SubjectService subjects)
    {
        var result = await subjects.DeleteSubjectAsync(subject);
        return result.Succeeded ? TypedResults.NoContent() : ApiProblems.From(result.Error!);
    }

    /// <summary>Reads a subject's history, oldest first, one page at a time.</summary>
    /// <remarks>Follow <c>next</c> until it is null to read everything; pass the last sequence number you hold as <c>after</c> to read only what is new.</remarks>
    /// <param name="subject">The subject's name.</param>
    /// <param name="after">Return updates with a sequence number above this; 0 (the default) starts at the first.</param>
    /// <param name="limit">Most updates in the page: 1 to Subjects:MaxPageSize (1000); 100 by default.</param>
    internal static async Task<Results<Ok<HistoryPageResource>, ProblemHttpResult>> ListUpdates(
        string subject, string? after, string? limit, SubjectService subjects, IOptions<ApiOptions> options, CancellationToken cancellationToken)
    {
        var afterNumber = ParseNumber(after, nameof(after), whenAbsent: 0);
        var limitNumber = ParseNumber(limit, nameof(limit), whenAbsent: options.Value.DefaultPageSize);
        if ((afterNumber.Error ?? limitNumber.Error) is { } invalid)
            return ApiProblems.From(invalid);
        var afterSequence = afterNumber.Value;
        var pageSize = (int)Math.Min(limitNumber.Value, int.MaxValue);

        var result = await subjects.ReadHistoryAsync(subject, afterSequence, pageSize, cancellationToken);
        if (result.Value is not { } page)
            return ApiProblems.From(result.Error!);
        var updates = page.Updates.Select(u => UpdateResource.From(subject, u)).ToArray();
        var last = updates.Length > 0 ? updates[^1].Sequence : afterSequence;
        var next = updates.Length == pageSize && last < page.Subject.LastSequence
            ? $"{SubjectPath(subject)}/updates?after={last}&limit={pageSize}" : null;
        return TypedResults.Ok(new HistoryPageResource(subject, page.Subject.LastSequence, updates, next));
    }

    /// <summary>Gets one stored update by its sequence number.</summary>
    /// <remarks>The URL a successful post answers with in Location. Sequence numbers start at 1 and have no gaps.</remarks>
    /// <param name="subject">The subject's name.</param>
    /// <param name="sequence">The update's sequence number.</param>
    internal static async Task<Results<Ok<UpdateResource>, ProblemHttpResult>> GetUpdate(
        string subject, long sequence, SubjectService subjects, CancellationToken cancellationToken)
    {
        var result = await subjects.GetUpdateAsync(subject, sequence, cancellationToken);
        return result.Value is { } update ? TypedResults.Ok(UpdateResource.From(subject, update)) : ApiProblems.From(result.Error!);
    }

    /// <summary>Appends an update to a subject.</summary>
    /// <remarks>
    /// Answers once the update is stored. It is then published exactly as a legacy "3" would be: on the ZeroMQ PUB
    /// socket as "&lt;subject&gt; &lt;content&gt;", on the subject's event streams, and to every other door.
    /// Send an Idempotency-Key header to retry safely: a post repeating a key already stored on the subject stores
    /// nothing and answers with the update stored under that key.
    /// </remarks>
    /// <param name="subject">The subject's name.</param>
    /// <param name="idempotencyKey">Optional: up to 128 visible ASCII characters that name this update for retries.</param>
    /// <response code="201">Stored (or stored before under the same Idempotency-Key); Location is the update's URL.</response>
    internal static async Task<Results<Created<UpdateResource>, ProblemHttpResult>> PostUpdate(
        string subject, PostUpdateRequest request, [FromHeader(Name = "Idempotency-Key")] string? idempotencyKey, SubjectService subjects, DoorTelemetry telemetry)
    {
        var result = await subjects.PostUpdateAsync(subject, request.Text, Origins.Rest, idempotencyKey);
        if (result.Value is not { } update)
            return ApiProblems.From(result.Error!);
        telemetry.Accepted(update);
        return TypedResults.Created($"{SubjectPath(subject)}/updates/{update.Sequence}", UpdateResource.From(subject, update.ToEntry()));
    }

    /// <summary>Registers an email address on a subject, to be notified of its updates.</summary>
    /// <remarks>
    /// With Email:ConfirmSubscriptions (the default) the address first gets a mail with a confirmation link and
    /// receives updates only once it has followed it; <c>confirmed</c> says which. Registering an address again is
    /// harmless (addresses compare case-insensitively), answers 200, and sends an unconfirmed address a new link.
    /// </remarks>
    /// <param name="subject">The subject's name.</param>
    /// <response code="201">Registered; Location is the registration's URL (DELETE it to unregister).</response>
    /// <response code="200">The address was registered already.</response>
    internal static async Task<Results<Created<SubscriptionResource>, Ok<SubscriptionResource>, ProblemHttpResult>> RegisterEmail(
        string subject, RegisterEmailRequest request, SubjectService subjects)
    {
        var result = await subjects.RegisterEmailAsync(subject, request.Email);
        if (result.Value is not { } registration)
            return ApiProblems.From(result.Error!);
        var resource = SubscriptionResource.From(registration);
        return registration.IsNew
            ? TypedResults.Created($"{SubjectPath(subject)}/subscriptions/{Uri.EscapeDataString(registration.Email)}", resource)
            : TypedResults.Ok(resource);
    }

    /// <summary>Removes an email address from a subject.</summary>
    /// <remarks>
    /// The address compares case-insensitively, as when it was registered. Encode it as a path segment (@ as %40, / as %2F).
    /// With API keys configured this needs a publisher or admin key, or the token of the unsubscribe link in a mail sent
    /// to that address on that subject (401 otherwise): registering is open, so removing must not be, or anyone could
    /// stop anyone's mail.
    /// </remarks>
    /// <param name="subject">The subject's name.</param>
    /// <param name="email">The registered address (any case), URL-encoded.</param>
    /// <param name="token">Instead of a key: the token of the unsubscribe link in a mail to this address.</param>
    /// <response code="204">Removed.</response>
    internal static async Task<Results<NoContent, ProblemHttpResult>> UnregisterEmail(
        string subject, string email, string? token, ClaimsPrincipal user, IAuthorizationService authorization, EmailTokens tokens, SubjectService subjects)
    {
        // Kestrel decodes every escape in a path except %2F, which would split the segment; '/' is legal in an address.
        email = email.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (!(await authorization.AuthorizeAsync(user, ApiPolicies.Publish)).Succeeded && !UnsubscribeLinkFor(tokens.Read(token, EmailTokenPurpose.Unsubscribe), subject, email))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A key or the unsubscribe token is needed.",
                detail: "Removing an address needs a publisher or admin key in X-Api-Key, or the token of the unsubscribe link in a mail sent to that address (?token=).");
        }
        var result = await subjects.UnregisterEmailAsync(subject, email);
        return result.Succeeded ? TypedResults.NoContent() : ApiProblems.From(result.Error!);
    }

    /// <summary>Sets how often a registered address is mailed.</summary>
    /// <remarks>
    /// <c>immediate</c>: a mail as soon as the subject changes, then at most one per Email:MinIntervalSeconds, the
    /// updates in between collected into the next; <c>digest</c>: one mail per Email:DigestMinutes listing every update
    /// since the last; <c>off</c>: none, the registration kept. Leaving <c>off</c> does not mail what came meanwhile.
    /// <c>mailEvenWhenSeen</c> false (the default) leaves out of mails the updates that a dashboard which registered
    /// the address received live; true mails them too. Like removing, this needs a publisher or admin key when API keys are configured, or the token of a link in a mail
    /// sent to that address on that subject (401 otherwise): anyone may register an address, not silence it.
    /// </remarks>
    /// <param name="subject">The subject's name.</param>
    /// <param name="email">The registered address (any case), URL-encoded.</param>
    /// <param name="token">Instead of a key: the token of the unsubscribe link in a mail to this address.</param>
    /// <response code="200">The registration with its new settings.</response>
    internal static async Task<Results<Ok<SubscriptionResource>, ProblemHttpResult>> SetMailMode(
        string subject, string email, string? token, SetMailModeRequest request, ClaimsPrincipal user, IAuthorizationService authorization, EmailTokens tokens, SubjectService subjects)
    {
        email = email.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase);
        if (!(await authorization.AuthorizeAsync(user, ApiPolicies.Publish)).Succeeded && !UnsubscribeLinkFor(tokens.Read(token, EmailTokenPurpose.Unsubscribe), subject, email))
        {
            return TypedResults.Problem(statusCode: StatusCodes.Status401Unauthorized, title: "A key or the mail's token is needed.",
                detail: "Changing how an address is mailed needs a publisher or admin key in X-Api-Key, or the token of the unsubscribe link in a mail sent to that address (?token=).");
        }
        var result = await subjects.SetMailModeAsync(subject, email, request.Mode, request.MailEvenWhenSeen);
        return result.Value is { } registration ? TypedResults.Ok(SubscriptionResource.From(registration)) : ApiProblems.From(result.Error!);
    }

    private static bool UnsubscribeLinkFor(EmailToken? link, string subject, string email) =>
        link is not null && link.Subject == subject && SubjectValidator.NormalizeEmail(link.Email) == SubjectValidator.NormalizeEmail(email);

    /// <summary>Streams a subject's updates as server-sent events (text/event-stream).</summary>
    /// <remarks>
    /// A long-lived response, not JSON: each update is an event with <c>id:</c> its sequence number, <c>event: update</c>
    /// and <c>data:</c> one line of JSON shaped like UpdateResource. Without a position the stream starts with the next
    /// update. With <c>Last-Event-ID</c> (sent by EventSource when it reconnects) or <c>after</c>, it first sends every
    /// stored update after that sequence number, then live ones: no gap, no duplicate. Idle streams get a
    /// <c>: keep-alive</c> comment every 15 s. When the subject is deleted the stream sends <c>event: deleted</c> and ends.
    /// Watch one with <c>curl -N http://127.0.0.1:5080/api/subjects/React/events</c>. Swagger UI cannot show a stream
    /// that never ends; use curl or EventSource.
    /// </remarks>
    /// <param name="subject">The subject's name.</param>
    /// <param name="lastEventId">The last sequence number the client holds; outranks <paramref name="after"/>.</param>
    /// <param name="after">The same as a query parameter, for clients that cannot set headers.</param>
    /// <response code="200">The event stream.</response>
    internal static async Task<Results<EventStreamResult, ProblemHttpResult>> StreamEvents(
        string subject,
        [FromHeader(Name = "Last-Event-ID")] string? lastEventId,
        string? after,
        SubjectResume resume,
        LiveUpdateFeed feed,
        IOptions<ApiOptions> options,
        ILogger<EventStreamResult> logger,
        IHostApplicationLifetime lifetime,
        CancellationToken cancellationToken)
    {
        var position = string.IsNullOrEmpty(lastEventId) ? ParseNumber(after, nameof(after), whenAbsent: -1) : ParseNumber(lastEventId, "Last-Event-ID", whenAbsent: -1);
        if (position.Error is { } invalid)
            return ApiProblems.From(invalid);

        // The stream's listener is registered before the resume reads where the subject stands.
        LiveUpdateFeed.Listener? listener = null;
        var begun = await resume.BeginAsync(subject, position.Value < 0 ? null : position.Value, (subjectId, _) =>
        {
            listener = feed.Listen(subject, subjectId);
            return ValueTask.CompletedTask;
        }, cancellationToken);
        if (begun.Value is not { } resumption)
        {
            listener?.Dispose();
            return ApiProblems.From(begun.Error!);
        }
        return new EventStreamResult(listener!, resumption, options.Value, logger, lifetime.ApplicationStopping);
    }

    private static RouteHandlerBuilder RefusesWith(this RouteHandlerBuilder endpoint, params int[] statuses)
    {
        foreach (var status in statuses)
        {
            if (status == StatusCodes.Status400BadRequest)
                endpoint.ProducesValidationProblem();
            else
                endpoint.ProducesProblem(status);
        }
        return endpoint;
    }

    private static string SubjectPath(string subject) => $"/api/subjects/{subject}";

    /// <summary>A non-negative whole number from the query or a header, or <paramref name="whenAbsent"/> when there is none.</summary>
    private static SubjectResult<long> ParseNumber(string? value, string field, long whenAbsent) =>
        value is null ? whenAbsent
        : long.TryParse(value, NumberStyles.None, CultureInfo.InvariantCulture, out var number) ? number
        : new SubjectError(SubjectErrorKind.Invalid, $"'{field}' must be a whole number, 0 or more.", field);
}
