namespace MessageQueue.Client.Menu;

/// <summary>What the menu says; kept apart so the flow in <see cref="InteractiveMenu"/> reads on its own.</summary>
internal static class MenuText
{
    public const string Choices = """
        ===== MessageQueue =====
        1. List subjects
        2. Subscribe to a subject with your email
        3. Post an update to your subject
        4. Show this menu
        q. Quit
        """;

    public const string ChoicePrompt = "Choose (1-4, q): ";
    public const string EmailPrompt = "Your email: ";
    public const string SubjectPrompt = "Subject: ";
    public const string NotSubscribed = "Subscribe to a subject first (2).";

    public static string UpdatePrompt(string subject) => $"Update for {subject}: ";

    public static string Subscribed(string subject, string email, string content) =>
        $"Subscribed {email} to {subject}. Current content:\n{content}\n(updates on {subject} will appear as they arrive)";

    public static string UnknownChoice(string choice) => $"Unknown choice '{choice}'. Choose 1-4, or q to quit.";
}
