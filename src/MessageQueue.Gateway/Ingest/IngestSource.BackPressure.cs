namespace MessageQueue.Gateway.Ingest;

/// <summary>A pull source under back-pressure: updates the store refused as busy are held, in order, and offered again.</summary>
internal sealed partial class IngestSource
{
    /// <summary>A pull source's update the store could not take now: keep it, in order, and read nothing until it is taken.</summary>
    private void Hold(IngestMessage message)
    {
        if (_held.Count == 0)
        {
            _metrics.IngestPaused(_sourceTag, IngestPause.Store);
            if (_pauseLines.ShouldLog(out var suppressed))
                Log.Paused(_logger, Name, suppressed);
        }
        _held.Enqueue(message);
        Pause();
        ScheduleRetry(_retryDelay);
        _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, LastRetry.Ticks));
    }

    /// <summary>
    /// True while a pull source has its whole window of updates waiting for the store: it reads on as they are answered.
    /// The window keeps one fast source from filling the store's queue, where the other doors' updates would then be
    /// refused as busy.
    /// </summary>
    private bool WindowFull => _options.IsPull && _inFlight >= _window;

    /// <summary>A pull source whose window is full: reads nothing until the store answers one of them (counted as a store pause, not logged: it is the ordinary pace of a source faster than the store).</summary>
    private void WaitForStore()
    {
        Pause();
        _metrics.IngestPaused(_sourceTag, IngestPause.Store);
    }

    /// <summary>
    /// A pull source over its rate limit: reads nothing until the budget refills (its PUSH peers wait meanwhile, as
    /// under the store's back-pressure), then reads on.
    /// </summary>
    private void WaitForRate()
    {
        Pause();
        _rateWait = true;
        _metrics.IngestPaused(_sourceTag, IngestPause.Rate);
        if (_rateLines.ShouldLog(out var suppressed))
            Log.RateLimited(_logger, Name, _options.MaxMessagesPerSecond, _options.MaxBytesPerSecond, suppressed);
        _ = Task.Delay(_rate.UntilAllowed(), _time).ContinueWith(static (_, state) =>
        {
            var source = (IngestSource)state!;
            source._completions.Enqueue(() =>
            {
                source._rateWait = false;
                source.Resume();
            });
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>
    /// Retries on the poller thread: at once when the store has just taken an update (it has room again), else after
    /// <paramref name="delay"/>, backing off while it keeps refusing. An immediate retry does not wait for a timed one.
    /// </summary>
    private void ScheduleRetry(TimeSpan delay)
    {
        if (_stopped)
            return;
        if (delay == TimeSpan.Zero)
        {
            if (!_retryQueued)
                _completions.Enqueue(Retry);
            _retryQueued = true;
            return;
        }
        if (_retryTimed)
            return;
        _retryTimed = true;
        _ = Task.Delay(delay).ContinueWith(static (_, state) =>
        {
            var source = (IngestSource)state!;
            source._completions.Enqueue(() =>
            {
                source._retryTimed = false;
                source.Retry();
            });
        }, this, CancellationToken.None, TaskContinuationOptions.ExecuteSynchronously, TaskScheduler.Default);
    }

    /// <summary>Offers the held updates to the store again, oldest first; reads on once it has taken them all.</summary>
    private void Retry()
    {
        _retryQueued = false;
        while (!_stopped && _creating == 0 && !WindowFull && _held.TryPeek(out var message))
        {
            if (!TrySubmit(message))
            {
                ScheduleRetry(_retryDelay);
                _retryDelay = TimeSpan.FromTicks(Math.Min(_retryDelay.Ticks * 2, LastRetry.Ticks));
                return;
            }
            _held.Dequeue();
        }
        if (_held.Count == 0)
            _retryDelay = FirstRetry;
        Resume();
    }
}
