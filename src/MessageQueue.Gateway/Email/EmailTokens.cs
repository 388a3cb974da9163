using System.Globalization;
using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;
using Microsoft.Extensions.Options;

namespace MessageQueue.Gateway.Email;

/// <summary>What a signed link may do.</summary>
public enum EmailTokenPurpose
{
    Confirm,
    Unsubscribe,

    /// <summary>The address's mail settings page; it expires after Email:PreferencesLinkDays.</summary>
    Preferences,
}

/// <summary>A verified link: which address, on which subject, for what.</summary>
public sealed record EmailToken(EmailTokenPurpose Purpose, string Subject, string Email);

/// <summary>
/// Signed tokens for the links in mails: following one needs no login, and a forged or altered token fails to verify.
/// ASP.NET Core Data Protection signs and encrypts them with keys kept in Email:KeysDirectory.
/// </summary>
public sealed class EmailTokens(IDataProtectionProvider provider, TimeProvider clock, IOptions<EmailOptions> options)
{
    private readonly IDataProtector _protector = provider.CreateProtector("MessageQueue.Email.Links.v1");
    private readonly TimeSpan _preferencesLifetime = TimeSpan.FromDays(options.Value.PreferencesLinkDays);

    /// <summary>A link to the address's settings page, valid for Email:PreferencesLinkDays from now (the time it was made is signed in it).</summary>
    public string CreatePreferences(string email) =>
        Create(EmailTokenPurpose.Preferences, clock.GetUtcNow().ToUnixTimeSeconds().ToString(CultureInfo.InvariantCulture), email);

    /// <summary>The address of a genuine settings link; null when it is forged, altered or expired (<paramref name="expired"/> says which).</summary>
    public string? ReadPreferences(string? token, out bool expired)
    {
        expired = false;
        if (Read(token, EmailTokenPurpose.Preferences) is not { } link
            || !long.TryParse(link.Subject, NumberStyles.None, CultureInfo.InvariantCulture, out var madeAt))
            return null;
        expired = clock.GetUtcNow() - DateTimeOffset.FromUnixTimeSeconds(madeAt) > _preferencesLifetime;
        return expired ? null : link.Email;
    }

    public string Create(EmailTokenPurpose purpose, string subject, string email) =>
        _protector.Protect($"{purpose}\n{subject}\n{email}");

    /// <summary>The token's content if it is genuine and meant for <paramref name="purpose"/>; otherwise null.</summary>
    public EmailToken? Read(string? token, EmailTokenPurpose purpose)
    {
        if (string.IsNullOrEmpty(token) || token.Length > 2048)
            return null;
        try
        {
            var parts = _protector.Unprotect(token).Split('\n');
            return parts.Length == 3 && Enum.TryParse<EmailTokenPurpose>(parts[0], out var found) && found == purpose
                ? new EmailToken(found, parts[1], parts[2])
                : null;
        }
        catch (CryptographicException)
        {
            return null;
        }
    }
}
