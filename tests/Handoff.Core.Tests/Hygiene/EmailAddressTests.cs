using Handoff.Hygiene;

namespace Handoff.Core.Tests.Hygiene;

public class EmailAddressTests
{
    [Theory]
    [InlineData("  Ada.Lovelace@Acme.COM ", "ada.lovelace@acme.com")]
    [InlineData("ada+news@acme.com", "ada@acme.com")]
    [InlineData("ada+a+b@acme.com", "ada@acme.com")]
    [InlineData("A.d.A+x@gmail.com", "ada@gmail.com")]
    [InlineData("a.da@googlemail.com", "ada@gmail.com")]
    [InlineData("ada.lovelace@gmail.com.", "adalovelace@gmail.com")]
    [InlineData("ada-shopping@yahoo.com", "ada@yahoo.com")]
    [InlineData("ada-x@yahoo.co.uk", "ada@yahoo.co.uk")]
    [InlineData("jean-luc@acme.com", "jean-luc@acme.com")]
    [InlineData("jean.luc@workspace-domain.com", "jean.luc@workspace-domain.com")]
    [InlineData("+tag@acme.com", "+tag@acme.com")]
    public void Normalize_GivesOneKeyPerMailbox(string email, string expected) =>
        Assert.Equal(expected, EmailAddress.Normalize(email));

    [Theory]
    [InlineData(null)]
    [InlineData("")]
    [InlineData("   ")]
    [InlineData("no-at-sign")]
    [InlineData("@acme.com")]
    [InlineData("ada@")]
    [InlineData("...@gmail.com")]
    public void Normalize_ReturnsNull_ForTextThatIsNoAddress(string? email) =>
        Assert.Null(EmailAddress.Normalize(email));

    [Fact]
    public void Normalize_HandlesLongInput_WithoutTheStack() =>
        Assert.Equal(new string('a', 600) + "@acme.com", EmailAddress.Normalize(new string('A', 600) + "+x@acme.com"));

    [Theory]
    [InlineData("Ada@Mail.Example.COM", "mail.example.com")]
    [InlineData(" ada@acme.com. ", "acme.com")]
    [InlineData("\"odd@name\"@acme.com", "acme.com")]
    [InlineData("no-at-sign", null)]
    [InlineData("ada@", null)]
    [InlineData(null, null)]
    public void DomainOf_IsTheLowerCasedPartAfterTheLastAt(string? email, string? expected) =>
        Assert.Equal(expected, EmailAddress.DomainOf(email));

    [Theory]
    [InlineData("Ada.Lovelace+x@acme.com", "Ada.Lovelace+x")]
    [InlineData("@acme.com", null)]
    [InlineData("nothing", null)]
    public void LocalPartOf_KeepsCase(string email, string? expected) =>
        Assert.Equal(expected, EmailAddress.LocalPartOf(email));
}
