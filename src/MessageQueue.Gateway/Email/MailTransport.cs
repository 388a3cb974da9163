using MailKit.Net.Smtp;
using MailKit.Security;
using MimeKit;

namespace MessageQueue.Gateway.Email;

/// <summary>Where mail goes: an SMTP server, or a folder of .eml files. One instance serves one sender at a time.</summary>
internal interface IMailTransport : IAsyncDisposable
{
    /// <summary>Hands one message over. Throws <see cref="PermanentMailException"/> when retrying cannot help.</summary>
    Task SendAsync(MimeMessage message, CancellationToken cancellationToken);
}

/// <summary>The server refused the mail for good (a 5xx reply): retrying would be refused again.</summary>
internal sealed class PermanentMailException(string message, Exception inner) : Exception(message, inner);

/// <summary>
/// The whole mail reached the server, whose answer never came (a timeout or a lost connection after the body): it may
/// have been delivered, so sending it again may make a duplicate.
/// </summary>
internal sealed class UnknownOutcomeMailException(string message, Exception inner) : Exception(message, inner);

/// <summary>One SMTP connection, opened on first use and kept for the next mails; reopened after a failure.</summary>
internal sealed class SmtpMailTransport(SmtpOptions options) : IMailTransport
{
    private SmtpClient? _client;

    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        var body = new BodyProgress();
        try
        {
            var client = await ConnectedAsync(cancellationToken);
            await client.SendAsync(FormatOptions.Default, message, cancellationToken, body);
        }
        catch (SmtpCommandException ex) when ((int)ex.StatusCode >= 500)
        {
            await ResetAsync();
            throw new PermanentMailException($"{(int)ex.StatusCode} {ex.Message}", ex);
        }
        catch (Exception ex) when (body.Complete && ex is not SmtpCommandException && !cancellationToken.IsCancellationRequested)
        {
            // The server answered nothing after the whole body: it may have the mail (a reply, even 4xx, is no mystery).
            await ResetAsync();
            throw new UnknownOutcomeMailException($"The server took the whole mail and did not answer: {ex.GetType().Name}: {ex.Message}", ex);
        }
        catch
        {
            await ResetAsync();
            throw;
        }
    }

    public ValueTask DisposeAsync() => new(ResetAsync());

    private async Task<SmtpClient> ConnectedAsync(CancellationToken cancellationToken)
    {
        if (_client is { IsConnected: true })
            return _client;
        await ResetAsync();
        var client = new SmtpClient { Timeout = options.TimeoutSeconds * 1000 };
        _client = client;
        await client.ConnectAsync(options.Host!, options.Port, SocketOptions(options.Security), cancellationToken);
        if (!string.IsNullOrEmpty(options.Username))
            await client.AuthenticateAsync(options.Username, options.Password ?? "", cancellationToken);
        return client;
    }

    /// <summary>
    /// MailKit reports the body's bytes as it writes them, the last report before the end-of-data marker and the wait for
    /// the server's answer: past it, a failure leaves the mail's fate unknown.
    /// </summary>
    private sealed class BodyProgress : MailKit.ITransferProgress
    {
        public bool Complete { get; private set; }

        public void Report(long bytesTransferred, long totalSize) => Complete |= bytesTransferred >= totalSize;

        public void Report(long bytesTransferred)
        {
            // MailKit measures the message when given a progress, so the total is always known.
        }
    }

    /// <summary>MailKit's name for the configured security (the readiness probe connects the same way).</summary>
    public static SecureSocketOptions SocketOptions(SmtpSecurity security) => security switch
    {
        SmtpSecurity.None => SecureSocketOptions.None,
        SmtpSecurity.StartTls => SecureSocketOptions.StartTls,
        SmtpSecurity.SslOnConnect => SecureSocketOptions.SslOnConnect,
        _ => SecureSocketOptions.Auto,
    };

    private async Task ResetAsync()
    {
        if (_client is null)
            return;
        try
        {
            if (_client.IsConnected)
                await _client.DisconnectAsync(quit: true);
        }
        catch (Exception ex) when (ex is IOException or SmtpProtocolException or SmtpCommandException or OperationCanceledException)
        {
            // The connection is being dropped anyway.
        }
        _client.Dispose();
        _client = null;
    }
}

/// <summary>The embedded default: each mail as an .eml file named after its Message-Id, so a retry overwrites rather than doubles.</summary>
internal sealed class PickupDirectoryTransport(string directory) : IMailTransport
{
    public async Task SendAsync(MimeMessage message, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(directory);
        var path = Path.Combine(directory, $"{message.MessageId}.eml");
        var partial = path + ".partial";
        await message.WriteToAsync(partial, cancellationToken);
        File.Move(partial, path, overwrite: true); // readers never see half a mail
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
