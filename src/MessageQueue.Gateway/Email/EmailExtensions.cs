using Microsoft.AspNetCore.DataProtection;
using Microsoft.AspNetCore.DataProtection.KeyManagement;
using Microsoft.AspNetCore.DataProtection.Repositories;
using MessageQueue.Gateway.Storage;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Email;

public static class EmailExtensions
{
    /// <summary>Email notifications: the outbox sender, SMTP or a pickup folder, signed links.</summary>
    public static IHostApplicationBuilder AddEmail(this IHostApplicationBuilder builder)
    {
        builder.Services.AddOptions<EmailOptions>().BindConfiguration(EmailOptions.SectionName)
            .ValidateDataAnnotations().ValidateOnStart();
        builder.Services.AddOptions<SmtpOptions>().BindConfiguration(SmtpOptions.SectionName)
            .ValidateDataAnnotations()
            .Validate(o => MimeKit.MailboxAddress.TryParse(o.From, out _), "Smtp:From must be one mailbox, e.g. \"MessageQueue <mq@example.com>\".")
            .ValidateOnStart();

        // Link-signing keys live with the data, so links in mails stay valid across restarts.
        builder.Services.AddDataProtection().SetApplicationName("MessageQueue");
        builder.Services.AddSingleton<IConfigureOptions<KeyManagementOptions>>(services => new ConfigureOptions<KeyManagementOptions>(keys =>
            keys.XmlRepository = new FileSystemXmlRepository(
                new DirectoryInfo(FromContentRoot(services, services.GetRequiredService<IOptions<EmailOptions>>().Value.KeysDirectory)),
                services.GetRequiredService<ILoggerFactory>())));

        builder.Services.AddSingleton<EmailTokens>();
        builder.Services.AddSingleton<NotificationMail>();
        builder.Services.AddSingleton<MailContent>();
        builder.Services.AddSingleton<OutboxClaims>();
        builder.Services.AddSingleton<Func<IMailTransport>>(services =>
        {
            var smtp = services.GetRequiredService<IOptions<SmtpOptions>>().Value;
            var pickup = FromContentRoot(services, services.GetRequiredService<IOptions<EmailOptions>>().Value.PickupDirectory);
            return string.IsNullOrWhiteSpace(smtp.Host) ? () => new PickupDirectoryTransport(pickup) : () => new SmtpMailTransport(smtp);
        });
        builder.Services.AddHostedService<EmailFolderCheck>();
        builder.Services.AddHostedService<EmailSender>();
        builder.Services.AddSingleton<SeenLive>();
        builder.Services.AddHostedService(services => services.GetRequiredService<SeenLive>());
        return builder;
    }

    private static string FromContentRoot(IServiceProvider services, string path) =>
        Path.Combine(services.GetRequiredService<IHostEnvironment>().ContentRootPath, path);
}
