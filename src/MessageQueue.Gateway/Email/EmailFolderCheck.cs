using MessageQueue.Gateway.Hosting;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Email;

/// <summary>
/// Checks at start-up that the folders email needs can be written: the link-signing keys, and the pickup folder when
/// no SMTP server is set. Otherwise the first link or mail would fail long after start, far from its cause.
/// </summary>
internal sealed class EmailFolderCheck(IOptions<EmailOptions> email, IOptions<SmtpOptions> smtp, IHostEnvironment environment) : IHostedService
{
    public Task StartAsync(CancellationToken cancellationToken)
    {
        EnsureWritable($"{EmailOptions.SectionName}:{nameof(EmailOptions.KeysDirectory)}", email.Value.KeysDirectory);
        if (string.IsNullOrWhiteSpace(smtp.Value.Host))
            EnsureWritable($"{EmailOptions.SectionName}:{nameof(EmailOptions.PickupDirectory)}", email.Value.PickupDirectory);
        return Task.CompletedTask;
    }

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    private void EnsureWritable(string setting, string folder)
    {
        var path = Path.Combine(environment.ContentRootPath, folder);
        try
        {
            Directory.CreateDirectory(path);
            var probe = Path.Combine(path, $".write-check-{Environment.ProcessId}");
            File.WriteAllBytes(probe, []);
            File.Delete(probe);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new StartupFailureException(setting, folder, $"that folder cannot be created or written ({e.Message.TrimEnd('.')})",
                $"Make it writable for this user, or set {StartupFailure.Variable(setting)} to a writable folder.");
        }
    }
}
