namespace Handoff.Notifications;

/// <summary>The SMTP server for notification email (<c>Handoff:Smtp</c>); no host means no email.</summary>
public sealed class SmtpOptions
{
    public string? Host { get; set; }
    public int Port { get; set; } = 25;

    /// <summary><c>None</c>, <c>StartTls</c> (default when the server offers it) or <c>SslOnConnect</c>.</summary>
    public string Security { get; set; } = "StartTlsWhenAvailable";
    public string? UserName { get; set; }
    public string? Password { get; set; }
    public string From { get; set; } = "Handoff <handoff@localhost>";

    public bool IsConfigured => !string.IsNullOrWhiteSpace(Host);
}

/// <summary>The delivery worker (<c>Handoff:Delivery</c>): webhooks and notification email.</summary>
public sealed class DeliveryOptions
{
    /// <summary>Run the background delivery on this node (tests turn it off and deliver by hand).</summary>
    public bool Enabled { get; set; } = true;

    /// <summary>Real-time pause between rounds when there was nothing to do.</summary>
    public double IntervalSeconds { get; set; } = 1;
}
