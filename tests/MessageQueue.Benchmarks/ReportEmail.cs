namespace MessageQueue.Benchmarks;

/// <summary>The email group's figures: the gateway against itself (reply latency) and against a plain MailKit loop.</summary>
internal sealed partial class Report
{
    public void Add(EmailResult result)
    {
        var busy = Invariant($"email: REST update reply, subject with {result.Addresses:N0} addresses");
        const string Quiet = "email: REST update reply, subject with no address";
        AddLatencies(busy, result.BusyReply, Quiet, result.QuietReply);
        _comparisons.Add(new(Invariant($"email: mails/s to SMTP sink, one update to {result.Addresses:N0} addresses (outbox sender)"), FigureUnit.RequestsPerSecond,
            result.GatewayMailsPerSecond, "MailKit SmtpClient loop, one connection, same mail", result.MailKitMailsPerSecond));
        _comparisonDetails.Add(Invariant($"email: {result.Addresses:N0} addresses registered in {result.RegistrationSeconds:0.0} s; the update's {result.Addresses:N0} mails (about {result.MailBytes:N0} bytes each) reached the sink {result.GatewaySeconds:0.00} s after the POST, outbox then {result.AfterFanout}; MailKit loop {result.MailKitMails:N0} mails in {result.MailKitSeconds:0.00} s; reply latency target about 1.0x (publishing never waits for SMTP); outbox after the measured updates on the busy subject: {result.AfterBusy}"));
    }
}
