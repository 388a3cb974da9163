using System.Buffers;
using System.IO.Pipelines;
using System.Reflection;
using MessageQueue.Gateway.Subjects;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.AspNetCore.Http.Metadata;

namespace MessageQueue.Gateway.Api;

/// <summary>
/// A subject's updates as server-sent events: first every stored update after the client's position, then live ones,
/// each exactly once and in order. A live update that is not the next one (the client's queue overflowed, or it was
/// published before the stream's history read finished) is preceded by the missing ones read from the store.
/// </summary>
internal sealed partial class EventStreamResult(
    LiveUpdateFeed.Listener listener,
    SubjectSnapshot subject,
    long afterSequence,
    SubjectService subjects,
    ApiOptions options,
    ILogger logger,
    CancellationToken stopping) : IResult, IEndpointMetadataProvider
{
    private const int CatchUpPageSize = 500;
    private readonly string _subject = subject.Name;
    private long _position = afterSequence;

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
        Log.StreamOpened(logger, _subject, _position);
        var endingReason = "the client left or the gateway stopped";
        try
        {
            body.Write(ServerSentEvents.Opening(_subject, _position, options.EventStreamRetryMilliseconds));
            await body.FlushAsync(cancellationToken);
            await CatchUpAsync(body, long.MaxValue, cancellationToken);
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
        Log.StreamEnded(logger, _subject, _position, endingReason);
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
                if (live.SubjectId != subject.Id || live.Sequence <= _position)
                    continue; // an earlier subject of the same name, still in the fan-out; or already sent from the store
                if (live.Sequence > _position + 1)
                    await CatchUpAsync(body, live.Sequence - 1, cancellationToken);
                body.Write(live.Encoded);
                _position = live.Sequence;
            }
            await body.FlushAsync(cancellationToken);
        }
    }

    /// <summary>Sends stored updates after the current position, up to <paramref name="upTo"/>, page by page.</summary>
    private async Task CatchUpAsync(PipeWriter body, long upTo, CancellationToken cancellationToken)
    {
        while (_position < upTo)
        {
            var page = await subjects.ReadHistoryAsync(_subject, _position, CatchUpPageSize, cancellationToken);
            if (page.Value is not { } history)
                return; // the subject was deleted meanwhile; the live reader ends the stream
            foreach (var update in history.Updates)
            {
                if (update.Sequence > upTo)
                    return;
                body.Write(ServerSentEvents.Update(UpdateResource.From(_subject, update)));
                _position = update.Sequence;
            }
            if (history.Updates.Count < CatchUpPageSize)
                return;
            await body.FlushAsync(cancellationToken);
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
