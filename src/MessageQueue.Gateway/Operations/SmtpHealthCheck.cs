using MailKit.Net.Smtp;
using MessageQueue.Gateway.Email;
using Microsoft.Extensions.Diagnostics.HealthChecks;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Operations;

/// <summary>
/// With Smtp:Host set, the SMTP server accepts a connection and answers EHLO and NOOP within
/// Operations:SmtpProbeTimeoutSeconds. The outcome is kept for Operations:SmtpProbeCacheSeconds and probes that
/// arrive meanwhile share it (and one probe in flight), so readiness probes never hammer the server. It does not log
/// in: a probe should not lock an account out, and the sender reports refused logins in the outbox. The answer
/// names no host: the probes are anonymous.
/// </summary>
internal sealed class SmtpHealthCheck(IOptions<SmtpOptions> smtp, IOptions<OperationsOptions> options, TimeProvider clock) : IHealthCheck
{
    private readonly SmtpOptions _smtp = smtp.Value;
    private readonly TimeSpan _timeout = TimeSpan.FromSeconds(options.Value.SmtpProbeTimeoutSeconds);
    private readonly TimeSpan _cacheFor = TimeSpan.FromSeconds(options.Value.SmtpProbeCacheSeconds);
    private readonly Lock _gate = new();
    private Task<HealthCheckResult>? _probe;
    private DateTimeOffset _probedAt;

    public Task<HealthCheckResult> CheckHealthAsync(HealthCheckContext context, CancellationToken cancellationToken = default)
    {
        if (string.IsNullOrWhiteSpace(_smtp.Host))
            return Task.FromResult(HealthCheckResult.Healthy("Smtp:Host is not set: mail goes to the pickup directory."));
        lock (_gate)
        {
            var now = clock.GetUtcNow();
            if (_probe is null || (_probe.IsCompleted && now - _probedAt >= _cacheFor))
            {
                _probe = ProbeAsync();
                _probedAt = now;
            }
            // A caller that gives up stops waiting; the probe itself ends within its own timeout.
            return _probe.WaitAsync(cancellationToken);
        }
    }

    private async Task<HealthCheckResult> ProbeAsync()
    {
        using var timeout = new CancellationTokenSource(_timeout);
        using var client = new SmtpClient { Timeout = (int)_timeout.TotalMilliseconds };
        try
        {
            // ConnectAsync reads the greeting and sends EHLO (and STARTTLS when the security setting asks for it).
            await client.ConnectAsync(_smtp.Host!, _smtp.Port, SmtpMailTransport.SocketOptions(_smtp.Security), timeout.Token).ConfigureAwait(false);
            await client.NoOpAsync(timeout.Token).ConfigureAwait(false);
            await client.DisconnectAsync(quit: true, timeout.Token).ConfigureAwait(false);
            return HealthCheckResult.Healthy("The SMTP server answers.");
        }
        catch (OperationCanceledException) when (timeout.IsCancellationRequested)
        {
            return HealthCheckResult.Unhealthy($"The SMTP server did not answer within {_timeout.TotalSeconds:0.#} s.");
        }
        catch (Exception ex)
        {
            return HealthCheckResult.Unhealthy($"The SMTP server is not reachable: {ex.GetType().Name}.", ex);
        }
    }
}
