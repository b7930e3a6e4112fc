namespace Handoff.Hygiene;

/// <summary>The Junk reason codes the classifier gives (all in the default reason catalogue).</summary>
public static class JunkReasons
{
    public const string Spam = "spam";
    public const string Vendor = "vendor";
    public const string JobSeeker = "job-seeker";
    public const string Student = "student";
    public const string Test = "test";
    public const string DisposableEmail = "disposable-email";
}

/// <summary>The fields of a captured lead that the junk check reads, as plain text (normalized or raw).</summary>
public sealed record JunkCheckInput
{
    public string? FirstName { get; init; }
    public string? LastName { get; init; }
    public string? Email { get; init; }
    public string? Company { get; init; }
    public string? Title { get; init; }
    public string? Description { get; init; }
    public IReadOnlyDictionary<string, string>? CustomFields { get; init; }

    /// <summary>The form's hidden honeypot field came back filled: only a bot sees and fills it.</summary>
    public bool HoneypotFilled { get; init; }

    /// <summary>
    /// The form asks for a person's own address (a demo request, a contact-me form): a role mailbox such as
    /// info@ or sales@ there is spam. False for channels where shared mailboxes are normal (imports, integrations).
    /// </summary>
    public bool PersonalAddressRequired { get; init; }
}

/// <summary>
/// Why a lead is junk: <paramref name="Reason"/> is a Junk reason code (<see cref="JunkReasons"/> or one from the
/// keyword file), <paramref name="Detail"/> a sentence for people ("disposable domain mailinator.com"),
/// <paramref name="Field"/> the lead field that gave it away (camelCase as in the API, "customFields.x" for a
/// custom field; null when no single field did, e.g. the honeypot).
/// </summary>
public sealed record JunkVerdict(string Reason, string Detail, string? Field);

/// <summary>
/// Decides whether a captured lead is junk, and why. Pure and thread-safe: one instance serves the whole process.
/// Checks, in order (the first that fires wins): honeypot → spam; disposable email domain → disposable-email;
/// link or markup in a name or the company (or markup in the description) → spam; test entry → test; gibberish
/// person name → spam; keyword classes from <c>keywords.json</c> (vendor, job-seeker, student, spam);
/// a role address (info@, sales@) on a form that asks for a person → spam.
/// Free webmail is not junk: see <see cref="HygieneLists.IsFreeMail"/> for fit and enrichment.
/// </summary>
public sealed class JunkClassifier(HygieneLists lists, JunkKeywords keywords)
{
    private static readonly Lazy<JunkClassifier> ShippedClassifier = new(() => new JunkClassifier(HygieneLists.Shipped, JunkKeywords.Shipped));

    /// <summary>A classifier over the shipped lists and keywords.</summary>
    public static JunkClassifier Shipped => ShippedClassifier.Value;

    public HygieneLists Lists => lists;

    public JunkKeywords Keywords => keywords;

    /// <summary>Null when the lead looks clean; otherwise the first reason it is junk.</summary>
    public JunkVerdict? Classify(JunkCheckInput input)
    {
        if (input.HoneypotFilled)
        {
            return new JunkVerdict(JunkReasons.Spam, "honeypot field filled", null);
        }

        var domain = EmailAddress.DomainSpan(input.Email);
        if (lists.IsDisposable(domain))
        {
            return new JunkVerdict(JunkReasons.DisposableEmail, $"disposable domain {domain.ToString().ToLowerInvariant()}", "email");
        }

        return CheckLinks(input)
            ?? CheckTest(input, domain)
            ?? CheckGibberish(input.FirstName, "firstName", "first name")
            ?? CheckGibberish(input.LastName, "lastName", "last name")
            ?? keywords.Match(input)
            ?? CheckRoleAddress(input);
    }

    private static JunkVerdict? CheckLinks(JunkCheckInput input)
    {
        if (input.FirstName is { } first && NameChecks.HasLink(first))
        {
            return new JunkVerdict(JunkReasons.Spam, "URL or markup in first name", "firstName");
        }

        if (input.LastName is { } last && NameChecks.HasLink(last))
        {
            return new JunkVerdict(JunkReasons.Spam, "URL or markup in last name", "lastName");
        }

        if (input.Company is { } company && NameChecks.HasLink(company) && !NameChecks.IsBareWebsite(company.AsSpan().Trim()))
        {
            return new JunkVerdict(JunkReasons.Spam, "URL or markup in company", "company");
        }

        if (input.Title is { } title && NameChecks.HasMarkup(title))
        {
            return new JunkVerdict(JunkReasons.Spam, "markup in title", "title");
        }

        if (input.Description is { } description && NameChecks.HasMarkup(description))
        {
            return new JunkVerdict(JunkReasons.Spam, "HTML or bbcode link in description", "description");
        }

        return null;
    }

    private static JunkVerdict? CheckTest(JunkCheckInput input, ReadOnlySpan<char> domain)
    {
        if (NameChecks.IsTestDomain(domain))
        {
            return new JunkVerdict(JunkReasons.Test, $"test domain {domain.ToString().ToLowerInvariant()}", "email");
        }

        var local = EmailAddress.LocalPartSpan(input.Email);
        if (!local.IsEmpty && NameChecks.IsTestLocalPart(local))
        {
            return new JunkVerdict(JunkReasons.Test, $"test address {local.ToString().ToLowerInvariant()}@", "email");
        }

        if (input.FirstName is { } first && NameChecks.IsTestName(first))
        {
            return new JunkVerdict(JunkReasons.Test, $"test name \"{first}\"", "firstName");
        }

        if (input.LastName is { } last && NameChecks.IsTestName(last))
        {
            return new JunkVerdict(JunkReasons.Test, $"test name \"{last}\"", "lastName");
        }

        if (input.Company is { } company && NameChecks.IsTestCompany(company.AsSpan().Trim()))
        {
            return new JunkVerdict(JunkReasons.Test, $"test company \"{company.Trim()}\"", "company");
        }

        return null;
    }

    private static JunkVerdict? CheckGibberish(string? name, string field, string label)
    {
        if (name is null)
        {
            return null;
        }

        var why = NameChecks.Gibberish(name);
        return why is null ? null : new JunkVerdict(JunkReasons.Spam, $"{why} in {label} \"{name}\"", field);
    }

    private JunkVerdict? CheckRoleAddress(JunkCheckInput input)
    {
        if (!input.PersonalAddressRequired)
        {
            return null;
        }

        // No "role-address" reason exists in the Junk catalogue, and a role mailbox on a form that asks for a
        // person is what form-filling bots and list-builders send: spam, with the detail saying why.
        var local = EmailAddress.LocalPartSpan(input.Email);
        if (local.IsEmpty || !lists.IsRoleLocalPart(local))
        {
            return null;
        }

        var plus = local.IndexOf('+');
        var role = (plus > 0 ? local[..plus] : local).ToString().ToLowerInvariant();
        return new JunkVerdict(JunkReasons.Spam, $"role address {role}@ on a person form", "email");
    }
}
