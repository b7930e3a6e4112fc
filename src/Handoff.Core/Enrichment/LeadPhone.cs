using PhoneNumbers;

namespace Handoff.Enrichment;

/// <summary>What phone normalization made of a lead's phone.</summary>
public enum PhoneStatus
{
    /// <summary>No phone given.</summary>
    Missing,

    /// <summary>A valid number, now in E.164 (+4930123456).</summary>
    Valid,

    /// <summary>Not a valid number for its region; the text is kept as typed.</summary>
    Invalid,

    /// <summary>No international prefix, no country and no default region: it could not be checked; kept as typed.</summary>
    Unchecked,
}

/// <summary>A normalized phone: E.164 when valid, else the text as typed; <paramref name="CountryCode"/> is the number's own region (valid numbers only).</summary>
public readonly record struct NormalizedPhone(string? Value, PhoneStatus Status, string? CountryCode);

/// <summary>Phone normalization with Google's libphonenumber (libphonenumber-csharp).</summary>
public static class LeadPhone
{
    private static readonly PhoneNumberUtil Util = PhoneNumberUtil.GetInstance();

    /// <summary>
    /// Parses <paramref name="phone"/> with <paramref name="defaultRegion"/> (ISO alpha-2, the lead's country) for
    /// numbers written without an international prefix, and formats a valid one as E.164.
    /// </summary>
    public static NormalizedPhone Normalize(string? phone, string? defaultRegion)
    {
        if (string.IsNullOrWhiteSpace(phone))
        {
            return new NormalizedPhone(null, PhoneStatus.Missing, null);
        }

        var text = phone.Trim();
        var international = text.StartsWith('+');
        if (!international && text.StartsWith("00", StringComparison.Ordinal) && defaultRegion is null)
        {
            // "00" is the international prefix almost everywhere outside North America.
            text = string.Concat("+", text.AsSpan(2));
            international = true;
        }

        if (!international && defaultRegion is null)
        {
            return new NormalizedPhone(phone.Trim(), PhoneStatus.Unchecked, null);
        }

        try
        {
            var number = Util.Parse(text, defaultRegion ?? "ZZ");
            return Util.IsValidNumber(number)
                ? new NormalizedPhone(Util.Format(number, PhoneNumberFormat.E164), PhoneStatus.Valid, Util.GetRegionCodeForNumber(number))
                : new NormalizedPhone(phone.Trim(), PhoneStatus.Invalid, null);
        }
        catch (NumberParseException)
        {
            return new NormalizedPhone(phone.Trim(), PhoneStatus.Invalid, null);
        }
    }
}
