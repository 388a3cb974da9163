using System.Security.Cryptography;
using Microsoft.AspNetCore.DataProtection;

namespace MessageQueue.Gateway.Email;

/// <summary>What a signed link may do.</summary>
public enum EmailTokenPurpose
{
    Confirm,
    Unsubscribe,
}

/// <summary>A verified link: which address, on which subject, for what.</summary>
public sealed record EmailToken(EmailTokenPurpose Purpose, string Subject, string Email);

/// <summary>
/// Signed tokens for the links in mails: following one needs no login, and a forged or altered token fails to verify.
/// ASP.NET Core Data Protection signs and encrypts them with keys kept in Email:KeysDirectory.
/// </summary>
public sealed class EmailTokens(IDataProtectionProvider provider)
{
    private readonly IDataProtector _protector = provider.CreateProtector("MessageQueue.Email.Links.v1");

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
