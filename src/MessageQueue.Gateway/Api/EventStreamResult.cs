using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace MessageQueue.Gateway.Api;

/// <summary>
/// A subject's updates as server-sent events, through <see cref="SubjectResume"/>: first the stored updates after the
/// client's position up to the history bound, then live ones, each exactly once and in order. A live update that is
/// not the next one (the stream's queue dropped some while its client read slowly) is preceded by the missing ones
/// read from the store.
/// </summary>
internal sealed partial class EventStreamResult(
    LiveUpdateFeed.Listener listener,
    SubjectResume.Resumption resumption,
    ApiOptions options,
    ILogger logger,
    CancellationToken stopping) : IResult, IEndpointMetadataProvider
{
    private readonly string _subject = resumption.Bound.Name;

    public async Task ExecuteAsync(HttpContext httpContext)
    {
        using var _ = listener;
        var response = httpContext.Response;
        response.ContentType = "text/event-stream";
        response.Headers.CacheControl = "no-cache, no-transform";
        response.Headers["X-Accel-Buffering"] = "no"; // tells nginx-like proxies not to buffer the stream
        httpContext.Features.Get<IHttpResponseBodyFeature>()?.DisableBuffering();

        // The stream ends when the client leaves or the gateway stops (it must not hold up a graceful shutdown).
        using var ending = CancellationTokenSource.CreateLinkedTokenSource(httpContext.RequestAborted, stopping);
        var cancellationToken = ending.Token;
        var body = response.BodyWriter;
        Log.StreamOpened(logger, _subject, resumption.Position);
        var endingReason = "the client left or the gateway stopped";
        try
        {
            body.Write(ServerSentEvents.Opening(_subject, resumption.Position, options.EventStreamRetryMilliseconds));
            await body.FlushAsync(cancellationToken);
            await ReplayAsync(body, resumption.Bound.LastSequence, cancellationToken);
            await body.FlushAsync(cancellationToken);
            if (await RelayLiveAsync(body, cancellationToken))
            {
                endingReason = "the subject was deleted";
                body.Write(ServerSentEvents.Deleted(_subject));
                await body.FlushAsync(cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
            // The client left or the gateway is stopping: nothing to answer.
        }
        Log.StreamEnded(logger, _subject, resumption.Position, endingReason);
    }

    /// <summary>Relays live events until the stream is cancelled; true when the subject was deleted.</summary>
    private async Task<bool> RelayLiveAsync(PipeWriter body, CancellationToken cancellationToken)
    {
        var keepAlive = TimeSpan.FromSeconds(options.EventStreamKeepAliveSeconds);
        Task<bool>? waiting = null;
        while (true)
        {
            waiting ??= listener.WaitToReadAsync(cancellationToken).AsTask();
            try
            {
                await waiting.WaitAsync(keepAlive, cancellationToken);
            }
            catch (TimeoutException)
            {
                body.Write(ServerSentEvents.KeepAlive);
                await body.FlushAsync(cancellationToken);
                continue;
            }
            if (!await waiting)
                return true;
            waiting = null;

            while (listener.TryRead(out var live))
            {
                var step = resumption.Admit(live.Sequence);
                if (step == LiveStep.Skip)
                    continue; // already sent from the store
                if (step == LiveStep.AfterGap)
                    await ReplayAsync(body, live.Sequence - 1, cancellationToken);
                body.Write(live.Encoded);
                resumption.HandedOn(live.Sequence);
            }
            await body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Sends the stored updates after the position up to <paramref name="upTo"/>, flushing after each page.</summary>
    private async Task ReplayAsync(PipeWriter body, long upTo, CancellationToken cancellationToken)
    {
        var unflushed = 0;
        await foreach (var update in resumption.ReplayAsync(upTo, cancellationToken))
        {
            body.Write(ServerSentEvents.Update(UpdateResource.From(_subject, update)));
            if (++unflushed == SubjectResume.PageSize)
            {
                await body.FlushAsync(cancellationToken);
                unflushed = 0;
            }
        }
    }

    private static partial class Log
    {
        [LoggerMessage(3000, LogLevel.Debug, "Event stream on {Subject} opened after sequence {Sequence}")]
        public static partial void StreamOpened(ILogger logger, string subject, long sequence);

        [LoggerMessage(3001, LogLevel.Debug, "Event stream on {Subject} ended at sequence {Sequence}: {Reason}")]
        public static partial void StreamEnded(ILogger logger, string subject, long sequence, string reason);
    }

    public static void PopulateMetadata(MethodInfo method, EndpointBuilder builder) =>
        builder.Metadata.Add(new ProducesResponseTypeMetadata(StatusCodes.Status200OK, typeof(UpdateResource), ["text/event-stream"]));
}
