<?xml version="1.0" encoding="utf-8"?>
<!DOCTYPE TS>
<TS version="2.1" language="nl">
<context>
    <name>AnnotationTools</name>
    <message>
        <source>The picture holds at most {count} drawings: erase some.</source>
        <translation>Het beeld bevat maximaal {count} tekeningen: wis er een paar.</translation>
    </message>
    <message>
        <source>Label: Enter places it, Esc drops it</source>
        <translation>Label: Enter plaatst het, Esc annuleert</translation>
    </message>
    <message>
        <source>Label text</source>
        <translation>Labeltekst</translation>
    </message>
    <message>
        <source>Pointer</source>
        <translation>Aanwijzer</translation>
    </message>
    <message>
        <source>Pointer: show the customer where you point</source>
        <translation>Aanwijzer: laat de klant zien waar u naar wijst</translation>
    </message>
    <message>
        <source>Pen</source>
        <translation>Tekenpen</translation>
    </message>
    <message>
        <source>Pen: draw freehand</source>
        <translation>Tekenpen: uit de vrije hand tekenen</translation>
    </message>
    <message>
        <source>Highlighter</source>
        <translation>Markeerstift</translation>
    </message>
    <message>
        <source>Highlighter: mark an area, see-through</source>
        <translation>Markeerstift: een gebied doorschijnend markeren</translation>
    </message>
    <message>
        <source>Arrow</source>
        <translation>Pijl</translation>
    </message>
    <message>
        <source>Arrow: drag from tail to head</source>
        <translation>Pijl: sleep van begin naar punt</translation>
    </message>
    <message>
        <source>Rectangle</source>
        <translation>Rechthoek</translation>
    </message>
    <message>
        <source>Rectangle: drag from corner to corner</source>
        <translation>Rechthoek: sleep van hoek naar hoek</translation>
    </message>
    <message>
        <source>Ellipse</source>
        <translation>Ellips</translation>
    </message>
    <message>
        <source>Ellipse: drag across what to circle</source>
        <translation>Ellips: sleep over wat u wilt omcirkelen</translation>
    </message>
    <message>
        <source>Text</source>
        <translation>Tekst</translation>
    </message>
    <message>
        <source>Text: click where the label goes, type it, press Enter</source>
        <translation>Tekst: klik waar het label moet komen, typ het en druk op Enter</translation>
    </message>
    <message>
        <source>Numbered marker</source>
        <translation>Genummerde markering</translation>
    </message>
    <message>
        <source>Numbered marker: click to place the next step number</source>
        <translation>Genummerde markering: klik om het volgende stapnummer te plaatsen</translation>
    </message>
    <message>
        <source>Erase one</source>
        <translation>Eén wissen</translation>
    </message>
    <message>
        <source>Erase one: click a drawing to erase it</source>
        <translation>Eén wissen: klik op een tekening om die te wissen</translation>
    </message>
    <message>
        <source>Red</source>
        <translation>Rood</translation>
    </message>
    <message>
        <source>Yellow</source>
        <translation>Geel</translation>
    </message>
    <message>
        <source>Green</source>
        <translation>Groen</translation>
    </message>
    <message>
        <source>Blue</source>
        <translation>Blauw</translation>
    </message>
    <message>
        <source>White</source>
        <translation>Wit</translation>
    </message>
    <message>
        <source>Black</source>
        <translation>Zwart</translation>
    </message>
    <message>
        <source>Thin line</source>
        <translation>Dunne lijn</translation>
    </message>
    <message>
        <source>Medium line</source>
        <translation>Middeldikke lijn</translation>
    </message>
    <message>
        <source>Thick line</source>
        <translation>Dikke lijn</translation>
    </message>
    <message>
        <source>Drawing tools</source>
        <translation>Tekengereedschap</translation>
    </message>
    <message>
        <source>Put the tool down</source>
        <translation>Gereedschap wegleggen</translation>
    </message>
    <message>
        <source>Colour: {colour}</source>
        <translation>Kleur: {colour}</translation>
    </message>
    <message>
        <source>{width} ([ and ] change the width)</source>
        <translation>{width} ([ en ] wijzigen de dikte)</translation>
    </message>
    <message>
        <source>Thinner line</source>
        <translation>Dunnere lijn</translation>
    </message>
    <message>
        <source>Thicker line</source>
        <translation>Dikkere lijn</translation>
    </message>
    <message>
        <source>Undo</source>
        <translation>Ongedaan maken</translation>
    </message>
    <message>
        <source>Undo the last drawing change</source>
        <translation>De laatste wijziging aan de tekeningen ongedaan maken</translation>
    </message>
    <message>
        <source>Redo</source>
        <translation>Opnieuw</translation>
    </message>
    <message>
        <source>Redo what was undone</source>
        <translation>Opnieuw doen wat ongedaan is gemaakt</translation>
    </message>
    <message>
        <source>Erase all</source>
        <translation>Alles wissen</translation>
    </message>
    <message>
        <source>Erase all drawings (Undo brings them back)</source>
        <translation>Alle tekeningen wissen (Ongedaan maken brengt ze terug)</translation>
    </message>
    <message>
        <source>Stick to objects</source>
        <translation>Aan objecten vastmaken</translation>
    </message>
    <message>
        <source>Stick to objects: drawings follow what they mark as the camera moves</source>
        <translation>Aan objecten vastmaken: tekeningen volgen wat ze aanwijzen als de camera beweegt</translation>
    </message>
</context>
<context>
    <name>Audio</name>
    <message>
        <source>PortAudio library not found (install libportaudio2). Video still works.</source>
        <translation>PortAudio-bibliotheek niet gevonden (installeer libportaudio2). Video werkt wel.</translation>
    </message>
    <message>
        <source>no sound devices found.</source>
        <translation>geen geluidsapparaten gevonden.</translation>
    </message>
</context>
<context>
    <name>CameraControls</name>
    <message>
        <source>The customer&apos;s camera cannot do that.</source>
        <translation>De camera van de klant kan dat niet.</translation>
    </message>
    <message>
        <source>The customer paused the camera: the phone refused the request.</source>
        <translation>De klant heeft de camera gepauzeerd: de telefoon weigerde het verzoek.</translation>
    </message>
    <message>
        <source>The session is on hold: the phone refused the request.</source>
        <translation>De sessie staat in de wacht: de telefoon weigerde het verzoek.</translation>
    </message>
    <message>
        <source>The phone is still busy with the previous camera request.</source>
        <translation>De telefoon is nog bezig met het vorige cameraverzoek.</translation>
    </message>
    <message>
        <source>The phone refused the value asked for.</source>
        <translation>De telefoon weigerde de gevraagde waarde.</translation>
    </message>
    <message>
        <source>The customer&apos;s camera could not do that.</source>
        <translation>Het is de camera van de klant niet gelukt.</translation>
    </message>
    <message>
        <source>Switch camera</source>
        <translation>Andere camera</translation>
    </message>
    <message>
        <source>Flashlight</source>
        <translation>Zaklamp</translation>
    </message>
    <message>
        <source>Zoom</source>
        <translation>Zoomen</translation>
    </message>
    <message>
        <source>Focus</source>
        <translation>Scherpstellen</translation>
    </message>
    <message>
        <source>Camera</source>
        <translation>Camera</translation>
    </message>
    <message>
        <source>&amp;Switch camera</source>
        <translation>&amp;Andere camera</translation>
    </message>
    <message>
        <source>&amp;Flashlight</source>
        <translation>&amp;Zaklamp</translation>
    </message>
    <message>
        <source>Zoom &amp;in</source>
        <translation>&amp;Inzoomen</translation>
    </message>
    <message>
        <source>Zoom &amp;out</source>
        <translation>&amp;Uitzoomen</translation>
    </message>
    <message>
        <source>Focus at a &amp;point…</source>
        <translation>&amp;Scherpstellen op een punt…</translation>
    </message>
    <message>
        <source>Camera request</source>
        <translation>Cameraverzoek</translation>
    </message>
    <message>
        <source>Click the picture where the camera should focus.</source>
        <translation>Klik in het beeld waar de camera moet scherpstellen.</translation>
    </message>
    <message>
        <source>The customer&apos;s phone is not connected.</source>
        <translation>De telefoon van de klant is niet verbonden.</translation>
    </message>
    <message>
        <source>Asking the customer&apos;s phone…</source>
        <translation>De telefoon van de klant wordt gevraagd…</translation>
    </message>
    <message>
        <source>The customer&apos;s phone did not answer.</source>
        <translation>De telefoon van de klant gaf geen antwoord.</translation>
    </message>
    <message>
        <source>The customer&apos;s phone has not said what its camera can do yet.</source>
        <translation>De telefoon van de klant heeft nog niet laten weten wat de camera kan.</translation>
    </message>
    <message>
        <source>Switch, light, zoom or focus the customer&apos;s camera (C)</source>
        <translation>De camera van de klant wisselen, verlichten, zoomen of scherpstellen (C)</translation>
    </message>
    <message>
        <source>The customer&apos;s camera cannot do this.</source>
        <translation>De camera van de klant kan dit niet.</translation>
    </message>
    <message>
        <source>Switch between the phone&apos;s front and back camera</source>
        <translation>Wisselen tussen de camera aan de voorkant en aan de achterkant van de telefoon</translation>
    </message>
    <message>
        <source>The customer&apos;s phone has only one camera.</source>
        <translation>De telefoon van de klant heeft maar één camera.</translation>
    </message>
    <message>
        <source>Turn the phone&apos;s flashlight on or off</source>
        <translation>De zaklamp van de telefoon aan- of uitzetten</translation>
    </message>
    <message>
        <source>The customer&apos;s camera has no flashlight it can control.</source>
        <translation>De camera van de klant heeft geen zaklamp die te bedienen is.</translation>
    </message>
    <message>
        <source>Zoom the customer&apos;s camera in</source>
        <translation>De camera van de klant inzoomen</translation>
    </message>
    <message>
        <source>Zoom the customer&apos;s camera out</source>
        <translation>De camera van de klant uitzoomen</translation>
    </message>
    <message>
        <source>Then click the picture where the camera should focus</source>
        <translation>Klik daarna in het beeld waar de camera moet scherpstellen</translation>
    </message>
    <message>
        <source>The customer&apos;s camera cannot focus at a point.</source>
        <translation>De camera van de klant kan niet op een punt scherpstellen.</translation>
    </message>
    <message>
        <source>now {value:g}x, from {low:g}x to {high:g}x</source>
        <translation>nu {value:g}x, van {low:g}x tot {high:g}x</translation>
    </message>
</context>
<context>
    <name>ChatPanel</name>
    <message>
        <source>You are sending messages too fast. Wait {seconds} s and send again.</source>
        <translation>U verstuurt te snel berichten. Wacht {seconds} s en verstuur opnieuw.</translation>
    </message>
    <message>
        <source>This session has reached its limit of chat messages.</source>
        <translation>Deze sessie heeft het maximale aantal chatberichten bereikt.</translation>
    </message>
    <message>
        <source>Chat is not possible while the session is in this state.</source>
        <translation>Chatten is niet mogelijk in de huidige toestand van de sessie.</translation>
    </message>
    <message>
        <source>The server refused the message: it is empty, too long or has characters that cannot be sent.</source>
        <translation>De server weigerde het bericht: het is leeg, te lang of bevat tekens die niet verstuurd kunnen worden.</translation>
    </message>
    <message>
        <source>Chat messages</source>
        <translation>Chatberichten</translation>
    </message>
    <message>
        <source>Pick a prepared reply to edit and send (Settings lists them)</source>
        <translation>Kies een voorbereid antwoord om aan te passen en te versturen (te beheren in Instellingen)</translation>
    </message>
    <message>
        <source>Type a message…</source>
        <translation>Typ een bericht…</translation>
    </message>
    <message>
        <source>Message</source>
        <translation>Bericht</translation>
    </message>
    <message>
        <source>&amp;Send</source>
        <translation>&amp;Versturen</translation>
    </message>
    <message>
        <source>Send the message to the customer (Enter)</source>
        <translation>Verstuur het bericht naar de klant (Enter)</translation>
    </message>
    <message>
        <source>Quick replies…</source>
        <translation>Snelle antwoorden…</translation>
    </message>
</context>
<context>
    <name>ChatReplies</name>
    <message>
        <source>Hello, I can see your camera now.</source>
        <translation>Hallo, ik zie uw camera nu.</translation>
    </message>
    <message>
        <source>Please point the camera at the device.</source>
        <translation>Richt de camera alstublieft op het apparaat.</translation>
    </message>
    <message>
        <source>Could you move the camera a little closer?</source>
        <translation>Kunt u de camera iets dichterbij houden?</translation>
    </message>
    <message>
        <source>Please hold the camera still for a moment.</source>
        <translation>Houd de camera alstublieft even stil.</translation>
    </message>
    <message>
        <source>Thank you, that is all I need.</source>
        <translation>Dank u, meer heb ik niet nodig.</translation>
    </message>
</context>
<context>
    <name>Console</name>
    <message>
        <source>Your sign-in has expired. Please sign in again.</source>
        <translation>Uw aanmelding is verlopen. Meld u opnieuw aan.</translation>
    </message>
    <message>
        <source>Demo mode: a local Lens server runs at {url}; you are signed in as {email}.

1. Press New Session (Ctrl+N), type a name, and create a session: PIN code, or Email with “send on my behalf” (the email is written to
    {outbox}).
2. Be the customer: open the link from that email in a browser on this computer (or open {url}/ and type the PIN) — or run:
    {customer} --server {url} --pin &lt;PIN&gt;
3. When the customer appears in the list as Waiting, select it and press Start.</source>
        <translation>Demomodus: er draait een lokale Lens-server op {url}; u bent aangemeld als {email}.

1. Klik op Nieuwe sessie (Ctrl+N), typ een naam en maak een sessie: Pincode, of E-mail met ‘namens mij verzenden’ (de e-mail wordt opgeslagen in
    {outbox}).
2. Speel zelf de klant: open de koppeling uit die e-mail in een browser op deze computer (of open {url}/ en typ de pincode), of voer uit:
    {customer} --server {url} --pin &lt;PIN&gt;
3. Staat de klant als Wachtend in de lijst, selecteer de sessie dan en klik op Starten.</translation>
    </message>
    <message>
        <source>Could not sign in to the demo server: {error}</source>
        <translation>Aanmelden bij de demoserver is mislukt: {error}</translation>
    </message>
    <message>
        <source>Your saved sign-in has expired. Please sign in again.</source>
        <translation>Uw opgeslagen aanmelding is verlopen. Meld u opnieuw aan.</translation>
    </message>
    <message>
        <source>Could not sign in with your saved sign-in: {error}</source>
        <translation>Aanmelden met uw opgeslagen aanmelding is mislukt: {error}</translation>
    </message>
    <message>
        <source>Lens Technician Console</source>
        <translation>Lens Technicusconsole</translation>
    </message>
</context>
<context>
    <name>Credentials</name>
    <message>
        <source>no system keyring is available on this computer</source>
        <translation>er is op deze computer geen systeemsleutelhanger beschikbaar</translation>
    </message>
    <message>
        <source>the only keyring available stores passwords in a plain file</source>
        <translation>de enige beschikbare sleutelhanger bewaart wachtwoorden in een gewoon bestand</translation>
    </message>
    <message>
        <source>the system keyring cannot be used ({detail})</source>
        <translation>de systeemsleutelhanger kan niet worden gebruikt ({detail})</translation>
    </message>
    <message>
        <source>Cannot remember the sign-in: {reason}.</source>
        <translation>Kan de aanmelding niet onthouden: {reason}.</translation>
    </message>
</context>
<context>
    <name>EmailReason</name>
    <message>
        <source>An email address must have an @-sign.</source>
        <translation>Een e-mailadres moet een @-teken bevatten.</translation>
    </message>
    <message>
        <source>There must be something before the @-sign.</source>
        <translation>Er moet iets vóór het @-teken staan.</translation>
    </message>
    <message>
        <source>There must be something after the @-sign.</source>
        <translation>Er moet iets na het @-teken staan.</translation>
    </message>
    <message>
        <source>The part after the @-sign is not valid. It should have a period.</source>
        <translation>Het deel na het @-teken is ongeldig. Het moet een punt bevatten.</translation>
    </message>
    <message>
        <source>An email address cannot end with a period.</source>
        <translation>Een e-mailadres mag niet op een punt eindigen.</translation>
    </message>
    <message>
        <source>An email address cannot have a period immediately before the @-sign.</source>
        <translation>Een e-mailadres mag geen punt direct vóór het @-teken hebben.</translation>
    </message>
    <message>
        <source>An email address cannot have a period immediately after the @-sign.</source>
        <translation>Een e-mailadres mag geen punt direct na het @-teken hebben.</translation>
    </message>
    <message>
        <source>An email address cannot have two periods in a row.</source>
        <translation>Een e-mailadres mag geen twee punten achter elkaar hebben.</translation>
    </message>
</context>
<context>
    <name>Errors</name>
    <message>
        <source>Your group is not allowed to run Lens sessions.</source>
        <translation>Uw groep mag geen Lens-sessies houden.</translation>
    </message>
    <message>
        <source>Your group is not allowed to run private sessions.</source>
        <translation>Uw groep mag geen privésessies houden.</translation>
    </message>
    <message>
        <source>Your group is not allowed to connect by PIN code.</source>
        <translation>Uw groep mag niet verbinden met een pincode.</translation>
    </message>
    <message>
        <source>Your group is not allowed to connect by email.</source>
        <translation>Uw groep mag niet verbinden via e-mail.</translation>
    </message>
    <message>
        <source>Your group is not allowed to connect by link.</source>
        <translation>Uw groep mag niet verbinden via een koppeling.</translation>
    </message>
    <message>
        <source>Your group is not allowed to connect by text message.</source>
        <translation>Uw groep mag geen verbinding maken via sms.</translation>
    </message>
    <message>
        <source>Your group is not allowed to view reports.</source>
        <translation>Uw groep mag geen rapporten bekijken.</translation>
    </message>
    <message>
        <source>This account is disabled. Ask your administrator.</source>
        <translation>Dit account is uitgeschakeld. Vraag het uw beheerder.</translation>
    </message>
    <message>
        <source>This account is locked after too many wrong passwords. Ask your administrator to reset your password.</source>
        <translation>Dit account is geblokkeerd na te veel verkeerde wachtwoorden. Vraag uw beheerder om uw wachtwoord opnieuw in te stellen.</translation>
    </message>
    <message>
        <source>That session no longer exists. The session list shows the current ones.</source>
        <translation>Die sessie bestaat niet meer. De sessielijst toont de huidige sessies.</translation>
    </message>
    <message>
        <source>That session has changed meanwhile. The session list shows its current state.</source>
        <translation>Die sessie is intussen veranderd. De sessielijst toont de huidige status.</translation>
    </message>
    <message>
        <source>The server has no free PIN code right now. Try again in a moment.</source>
        <translation>De server heeft nu geen vrije pincode. Probeer het zo opnieuw.</translation>
    </message>
    <message>
        <source>You already have an active Lens session ({name}). End it or put it on hold before resuming this one.</source>
        <translation>U hebt al een actieve Lens-sessie ({name}). Beëindig die sessie of zet hem in de wacht voordat u deze hervat.</translation>
    </message>
    <message>
        <source>You already have an active Lens session. End it or put it on hold before resuming this one.</source>
        <translation>U hebt al een actieve Lens-sessie. Beëindig die sessie of zet hem in de wacht voordat u deze hervat.</translation>
    </message>
    <message>
        <source>You already have an active Lens session ({name}). End it or put it on hold before starting another.</source>
        <translation>U hebt al een actieve Lens-sessie ({name}). Beëindig die sessie of zet hem in de wacht voordat u een nieuwe start.</translation>
    </message>
    <message>
        <source>You already have an active Lens session. End it or put it on hold before starting another.</source>
        <translation>U hebt al een actieve Lens-sessie. Beëindig die sessie of zet hem in de wacht voordat u een nieuwe start.</translation>
    </message>
    <message>
        <source>Cannot reach the Lens server at {url}: {reason}. Check the address and your network.</source>
        <translation>Kan de Lens-server op {url} niet bereiken: {reason}. Controleer het adres en uw netwerk.</translation>
    </message>
    <message>
        <source>Something went wrong: {error}. Try again.</source>
        <translation>Er is iets misgegaan: {error}. Probeer het opnieuw.</translation>
    </message>
    <message>
        <source>{reason} Ask your administrator if you need it.</source>
        <translation>{reason} Vraag uw beheerder erom als u dit nodig hebt.</translation>
    </message>
    <message>
        <source>Your sign-in has expired. Please sign in again.</source>
        <translation>Uw aanmelding is verlopen. Meld u opnieuw aan.</translation>
    </message>
    <message>
        <source>The email address or password is wrong.</source>
        <translation>Het e-mailadres of het wachtwoord klopt niet.</translation>
    </message>
    <message>
        <source>The server refused the request ({code}).</source>
        <translation>De server heeft het verzoek geweigerd ({code}).</translation>
    </message>
</context>
<context>
    <name>Formatting</name>
    <message>
        <source>Connecting</source>
        <translation>Verbinden</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wachtend</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Actief</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>In de wacht</translation>
    </message>
    <message>
        <source>Reconnecting</source>
        <translation>Opnieuw verbinden</translation>
    </message>
    <message>
        <source>Transferring</source>
        <translation>Overdragen</translation>
    </message>
    <message>
        <source>Ended by you</source>
        <translation>Beëindigd door u</translation>
    </message>
    <message>
        <source>Ended by customer</source>
        <translation>Beëindigd door klant</translation>
    </message>
    <message>
        <source>Timed out</source>
        <translation>Time-out</translation>
    </message>
    <message>
        <source>Expired</source>
        <translation>Verlopen</translation>
    </message>
    <message>
        <source>PIN code</source>
        <translation>Pincode</translation>
    </message>
    <message>
        <source>Email</source>
        <translation>E-mail</translation>
    </message>
    <message>
        <source>Link</source>
        <translation>Koppeling</translation>
    </message>
    <message>
        <source>Text message</source>
        <translation>Sms</translation>
    </message>
    <message>
        <source>valid until {until}</source>
        <translation>geldig tot {until}</translation>
    </message>
    <message>
        <source>valid until {until} (1 minute)</source>
        <translation>geldig tot {until} (1 minuut)</translation>
    </message>
    <message>
        <source>valid until {until} ({minutes} minutes)</source>
        <translation>geldig tot {until} ({minutes} minuten)</translation>
    </message>
</context>
<context>
    <name>GuestControl</name>
    <message>
        <source>Choose the colleague to invite.</source>
        <translation>Kies de collega die u wilt uitnodigen.</translation>
    </message>
    <message>
        <source>A colleague</source>
        <translation>Een collega</translation>
    </message>
    <message>
        <source>With {owner}</source>
        <translation>Met {owner}</translation>
    </message>
    <message>
        <source>Invitation from {owner}</source>
        <translation>Uitnodiging van {owner}</translation>
    </message>
    <message>
        <source>{owner}&apos;s session: you are with them as a guest.</source>
        <translation>Sessie van {owner}: u bent erbij als gast.</translation>
    </message>
    <message>
        <source>{name} is with you</source>
        <translation>{name} is bij u</translation>
    </message>
    <message>
        <source>Inviting {name}…</source>
        <translation>{name} wordt uitgenodigd…</translation>
    </message>
    <message>
        <source>Invite a colleague</source>
        <translation>Een collega uitnodigen</translation>
    </message>
    <message>
        <source>Bring a colleague into the session with {name}: they see and hear the customer, talk and draw with you. The session stays yours.</source>
        <translation>Haal een collega bij de sessie met {name}: die ziet en hoort de klant, praat en tekent met u mee. De sessie blijft van u.</translation>
    </message>
    <message>
        <source>&amp;Invite</source>
        <translation>&amp;Uitnodigen</translation>
    </message>
    <message>
        <source>What you would like them to look at</source>
        <translation>Waar u de collega naar wilt laten kijken</translation>
    </message>
    <message>
        <source>Join the session: see, hear and help the customer</source>
        <translation>Neem deel aan de sessie: zie, hoor en help de klant</translation>
    </message>
    <message>
        <source>&amp;Join</source>
        <translation>Deel&amp;nemen</translation>
    </message>
    <message>
        <source>Decli&amp;ne</source>
        <translation>Af&amp;slaan</translation>
    </message>
    <message>
        <source>{owner} invites you to join &apos;{name}&apos;</source>
        <translation>{owner} nodigt u uit voor &apos;{name}&apos;</translation>
    </message>
    <message>
        <source>&amp;Invite…</source>
        <translation>Uitnodi&amp;gen…</translation>
    </message>
    <message>
        <source>Invite a colleague into this session to see, hear and help ({key})</source>
        <translation>Nodig een collega uit voor deze sessie om mee te kijken, te luisteren en te helpen ({key})</translation>
    </message>
    <message>
        <source>Rem&amp;ove</source>
        <translation>Ve&amp;rwijderen</translation>
    </message>
    <message>
        <source>With&amp;draw</source>
        <translation>&amp;Intrekken</translation>
    </message>
    <message>
        <source>End {name}&apos;s visit: they leave the session</source>
        <translation>Beëindig het bezoek van {name}: die verlaat de sessie</translation>
    </message>
    <message>
        <source>Take the invitation back</source>
        <translation>Trek de uitnodiging in</translation>
    </message>
    <message>
        <source>Your group is not allowed to invite colleagues into a session (permission invite_technician).</source>
        <translation>Uw groep mag geen collega&apos;s bij een sessie uitnodigen (recht invite_technician).</translation>
    </message>
    <message>
        <source>One colleague at a time: {status}.</source>
        <translation>Eén collega tegelijk: {status}.</translation>
    </message>
    <message>
        <source>A colleague can join only while the session is active or on hold.</source>
        <translation>Een collega kan alleen deelnemen terwijl de sessie actief is of in de wacht staat.</translation>
    </message>
    <message>
        <source>L&amp;eave</source>
        <translation>V&amp;erlaten</translation>
    </message>
    <message>
        <source>Leave the colleague&apos;s session; it goes on for them and the customer</source>
        <translation>Verlaat de sessie van uw collega; die gaat voor hen en de klant door</translation>
    </message>
    <message>
        <source>Guest in {owner}&apos;s session</source>
        <translation>Gast in de sessie van {owner}</translation>
    </message>
</context>
<context>
    <name>GuestWindow</name>
    <message>
        <source>{owner} ended your visit to &apos;{name}&apos;.</source>
        <translation>{owner} heeft uw bezoek aan &apos;{name}&apos; beëindigd.</translation>
    </message>
    <message>
        <source>The session with {name} ended.</source>
        <translation>De sessie met {name} is beëindigd.</translation>
    </message>
    <message>
        <source>The invitation to &apos;{name}&apos; is no longer open: {owner} withdrew it or it expired.</source>
        <translation>De uitnodiging voor &apos;{name}&apos; staat niet meer open: {owner} heeft haar ingetrokken of ze is verlopen.</translation>
    </message>
    <message>
        <source>You left {owner}&apos;s session with {name}.</source>
        <translation>U hebt de sessie van {owner} met {name} verlaten.</translation>
    </message>
    <message>
        <source>&amp;Invite colleague…</source>
        <translation>&amp;Collega uitnodigen…</translation>
    </message>
    <message>
        <source>Bring a colleague into the session on the current tab</source>
        <translation>Haal een collega bij de sessie op het huidige tabblad</translation>
    </message>
    <message>
        <source>Invitation</source>
        <translation>Uitnodiging</translation>
    </message>
    <message>
        <source>{owner} invites you to join &apos;{name}&apos;.</source>
        <translation>{owner} nodigt u uit voor &apos;{name}&apos;.</translation>
    </message>
    <message>
        <source>Colleague&apos;s session</source>
        <translation>Sessie van een collega</translation>
    </message>
    <message>
        <source>Leave the colleague&apos;s session</source>
        <translation>De sessie van uw collega verlaten</translation>
    </message>
    <message>
        <source>Leave</source>
        <translation>Verlaten</translation>
    </message>
</context>
<context>
    <name>HdPhoto</name>
    <message>
        <source>No HD photo: the customer paused the camera. Ask them to turn it back on.</source>
        <translation>Geen HD-foto: de klant heeft de camera gepauzeerd. Vraag de klant de camera weer aan te zetten.</translation>
    </message>
    <message>
        <source>No HD photo: the session is on hold. Resume it and take the photo again.</source>
        <translation>Geen HD-foto: de sessie staat in de wacht. Hervat de sessie en maak de foto opnieuw.</translation>
    </message>
    <message>
        <source>No HD photo: the phone is still sending the previous one. Try again soon.</source>
        <translation>Geen HD-foto: de telefoon verstuurt de vorige nog. Probeer het zo opnieuw.</translation>
    </message>
    <message>
        <source>The HD photo was refused: it is larger than {width}x{height} pixels or 25 MB. Take a snapshot instead.</source>
        <translation>De HD-foto is geweigerd: hij is groter dan {width}x{height} pixels of 25 MB. Maak in plaats daarvan een momentopname.</translation>
    </message>
    <message>
        <source>The HD photo arrived damaged and was not saved. Take it again.</source>
        <translation>De HD-foto kwam beschadigd aan en is niet opgeslagen. Maak hem opnieuw.</translation>
    </message>
    <message>
        <source>The customer&apos;s phone could not take the photo. Take a snapshot instead.</source>
        <translation>De telefoon van de klant kon de foto niet maken. Maak in plaats daarvan een momentopname.</translation>
    </message>
    <message>
        <source>No HD photo: the customer&apos;s phone is not connected.</source>
        <translation>Geen HD-foto: de telefoon van de klant is niet verbonden.</translation>
    </message>
    <message>
        <source>No HD photo: the customer&apos;s phone did not answer. Take it again.</source>
        <translation>Geen HD-foto: de telefoon van de klant gaf geen antwoord. Maak hem opnieuw.</translation>
    </message>
    <message>
        <source>The HD photo did not arrive: the customer&apos;s phone stopped sending it. Take it again.</source>
        <translation>De HD-foto is niet aangekomen: de telefoon van de klant is gestopt met versturen. Maak hem opnieuw.</translation>
    </message>
    <message>
        <source>The HD photo did not arrive: the connection to the phone changed. Take it again.</source>
        <translation>De HD-foto is niet aangekomen: de verbinding met de telefoon is veranderd. Maak hem opnieuw.</translation>
    </message>
    <message>
        <source>The HD photo is not a picture the console can read and was not saved.</source>
        <translation>De HD-foto is geen afbeelding die de console kan lezen en is niet opgeslagen.</translation>
    </message>
    <message>
        <source>The HD photo was not saved: the folder {path} cannot be created or written to ({detail}). Choose another folder in Settings and take it again.</source>
        <translation>De HD-foto is niet opgeslagen: de map {path} kan niet worden gemaakt of beschreven ({detail}). Kies een andere map in Instellingen en maak de foto opnieuw.</translation>
    </message>
    <message>
        <source>The HD photo was not saved: the disk is full ({path}). Free some space or choose another folder in Settings, and take it again.</source>
        <translation>De HD-foto is niet opgeslagen: de schijf is vol ({path}). Maak ruimte vrij of kies een andere map in Instellingen, en maak de foto opnieuw.</translation>
    </message>
    <message>
        <source>The HD photo was not saved: too many files are named like {path}.</source>
        <translation>De HD-foto is niet opgeslagen: te veel bestanden hebben een naam zoals {path}.</translation>
    </message>
    <message>
        <source>The HD photo was not saved to {path} ({detail}).</source>
        <translation>De HD-foto is niet opgeslagen in {path} ({detail}).</translation>
    </message>
    <message>
        <source>HD photo</source>
        <translation>HD-foto</translation>
    </message>
    <message>
        <source>Ask the customer&apos;s phone for a full-resolution photo and save it in the snapshot folder</source>
        <translation>De telefoon van de klant om een foto op volle resolutie vragen en die in de map voor momentopnamen opslaan</translation>
    </message>
    <message>
        <source>HD photo on its way</source>
        <translation>HD-foto onderweg</translation>
    </message>
    <message>
        <source>Taking…</source>
        <translation>Foto maken…</translation>
    </message>
    <message>
        <source>The customer&apos;s phone is taking the photo</source>
        <translation>De telefoon van de klant maakt de foto</translation>
    </message>
    <message>
        <source>Photo %p%</source>
        <translation>Foto %p%</translation>
    </message>
    <message>
        <source>Receiving a {size} photo from the customer&apos;s phone</source>
        <translation>Een foto van {size} van de telefoon van de klant ontvangen</translation>
    </message>
    <message>
        <source>HD photo saved: {size}, {name}</source>
        <translation>HD-foto opgeslagen: {size}, {name}</translation>
    </message>
</context>
<context>
    <name>MainWindow</name>
    <message>
        <source>Connecting to {server}…</source>
        <translation>Verbinden met {server}…</translation>
    </message>
    <message>
        <source>Connected to {server}</source>
        <translation>Verbonden met {server}</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>Opnieuw verbinden…</translation>
    </message>
    <message>
        <source>Disconnected</source>
        <translation>Niet verbonden</translation>
    </message>
    <message>
        <source>{name} ended the session.</source>
        <translation>{name} heeft de sessie beëindigd.</translation>
    </message>
    <message>
        <source>The session with {name} timed out: the customer did not come back.</source>
        <translation>De sessie met {name} is gestopt na een time-out: de klant is niet teruggekomen.</translation>
    </message>
    <message>
        <source>The session with {name} expired.</source>
        <translation>De sessie met {name} is verlopen.</translation>
    </message>
    <message>
        <source>Connection to the server lost. Reconnecting… The list may be out of date until the console is back online.</source>
        <translation>Verbinding met de server verbroken. Opnieuw verbinden… De lijst kan verouderd zijn tot de console weer online is.</translation>
    </message>
    <message>
        <source>Not available while the console is reconnecting to the server.</source>
        <translation>Niet beschikbaar terwijl de console opnieuw verbinding maakt met de server.</translation>
    </message>
    <message>
        <source>You are in a session with {names}. Signing out ends the session for the customer too. Continue?</source>
        <translation>U bent in een sessie met {names}. Als u zich afmeldt, wordt de sessie ook voor de klant beëindigd. Doorgaan?</translation>
    </message>
    <message>
        <source>You are in a session with {names}. Quitting Lens ends the session for the customer too. Continue?</source>
        <translation>U bent in een sessie met {names}. Als u Lens afsluit, wordt de sessie ook voor de klant beëindigd. Doorgaan?</translation>
    </message>
    <message>
        <source>Sign out</source>
        <translation>Afmelden</translation>
    </message>
    <message>
        <source>Quit Lens</source>
        <translation>Lens afsluiten</translation>
    </message>
    <message>
        <source>No active session.
To help a customer, press New Session ({shortcut}) and invite them.
When they appear in the list as Waiting, select them and press Start.</source>
        <translation>Geen actieve sessie.
Om een klant te helpen, klikt u op Nieuwe sessie ({shortcut}) en nodigt u de klant uit.
Staat de klant als Wachtend in de lijst, selecteer de sessie dan en klik op Starten.</translation>
    </message>
    <message>
        <source>Lens Technician Console</source>
        <translation>Lens Technicusconsole</translation>
    </message>
    <message>
        <source>Session list</source>
        <translation>Sessielijst</translation>
    </message>
    <message>
        <source>Session &amp;list</source>
        <translation>Sessie&amp;lijst</translation>
    </message>
    <message>
        <source>Connection lost</source>
        <translation>Verbinding verbroken</translation>
    </message>
    <message>
        <source>&amp;New Session…</source>
        <translation>&amp;Nieuwe sessie…</translation>
    </message>
    <message>
        <source>&amp;Start</source>
        <translation>&amp;Starten</translation>
    </message>
    <message>
        <source>&amp;Hold</source>
        <translation>In &amp;wacht zetten</translation>
    </message>
    <message>
        <source>&amp;End</source>
        <translation>&amp;Beëindigen</translation>
    </message>
    <message>
        <source>Se&amp;ttings…</source>
        <translation>&amp;Instellingen…</translation>
    </message>
    <message>
        <source>&amp;Reports…</source>
        <translation>&amp;Rapporten…</translation>
    </message>
    <message>
        <source>Sign &amp;out</source>
        <translation>&amp;Afmelden</translation>
    </message>
    <message>
        <source>&amp;Quit</source>
        <translation>A&amp;fsluiten</translation>
    </message>
    <message>
        <source>Session</source>
        <translation>Sessie</translation>
    </message>
    <message>
        <source>&amp;Console</source>
        <translation>&amp;Console</translation>
    </message>
    <message>
        <source>&amp;Session</source>
        <translation>&amp;Sessie</translation>
    </message>
    <message>
        <source>Signed in as {name}</source>
        <translation>Aangemeld als {name}</translation>
    </message>
    <message>
        <source>Your sign-in has expired. Please sign in again.</source>
        <translation>Uw aanmelding is verlopen. Meld u opnieuw aan.</translation>
    </message>
    <message>
        <source>Customer waiting</source>
        <translation>Klant wacht</translation>
    </message>
    <message>
        <source>{name} is waiting for you.</source>
        <translation>{name} wacht op u.</translation>
    </message>
    <message>
        <source>&amp;Resume</source>
        <translation>&amp;Hervatten</translation>
    </message>
    <message>
        <source>A colleague&apos;s session: its technician holds and ends it.</source>
        <translation>De sessie van een collega: die technicus zet haar in de wacht en beëindigt haar.</translation>
    </message>
    <message>
        <source>The console shows the new language after you restart it.</source>
        <translation>De console toont de nieuwe taal nadat u hem opnieuw hebt gestart.</translation>
    </message>
    <message>
        <source>The session with {name} is now with {colleague}.</source>
        <translation>De sessie met {name} is nu bij {colleague}.</translation>
    </message>
    <message>
        <source>Incoming transfer</source>
        <translation>Inkomende overdracht</translation>
    </message>
    <message>
        <source>{sender} transfers {name} to you.</source>
        <translation>{sender} draagt {name} aan u over.</translation>
    </message>
    <message>
        <source>Transfer</source>
        <translation>Overdracht</translation>
    </message>
    <message>
        <source>Session ended</source>
        <translation>Sessie beëindigd</translation>
    </message>
</context>
<context>
    <name>NewSessionDialog</name>
    <message>
        <source>PIN code for the customer:</source>
        <translation>Pincode voor de klant:</translation>
    </message>
    <message>
        <source>Create a 6-digit PIN code. Read it to the customer, who types it on the Lens start page.</source>
        <translation>Maak een pincode van 6 cijfers. Lees die voor aan de klant, die hem invoert op de startpagina van Lens.</translation>
    </message>
    <message>
        <source>&amp;Create PIN code</source>
        <translation>Pincode &amp;maken</translation>
    </message>
    <message>
        <source>Email the customer a link that opens Lens on their phone.</source>
        <translation>Mail de klant een koppeling die Lens op de telefoon opent.</translation>
    </message>
    <message>
        <source>E&amp;mail link</source>
        <translation>Koppeling &amp;mailen</translation>
    </message>
    <message>
        <source>Send email using my &amp;default email client on this computer</source>
        <translation>E-mail verzenden met mijn stan&amp;daard e-mailprogramma op deze computer</translation>
    </message>
    <message>
        <source>Send email on my &amp;behalf via the Lens servers</source>
        <translation>E-mail namens mij verzenden &amp;via de Lens-servers</translation>
    </message>
    <message>
        <source>customer@example.com</source>
        <translation>klant@example.com</translation>
    </message>
    <message>
        <source>&amp;Retry</source>
        <translation>Opnieuw p&amp;roberen</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation>&amp;Aan:</translation>
    </message>
    <message>
        <source>Lan&amp;guage:</source>
        <translation>Taa&amp;l:</translation>
    </message>
    <message>
        <source>Your email client asks for the address</source>
        <translation>Uw e-mailprogramma vraagt om het adres</translation>
    </message>
    <message>
        <source>Text the customer a link and a PIN code that open Lens on their phone.</source>
        <translation>Sms de klant een koppeling en een pincode die Lens op de telefoon openen.</translation>
    </message>
    <message>
        <source>Send te&amp;xt message</source>
        <translation>Sms &amp;versturen</translation>
    </message>
    <message>
        <source>&amp;Resend</source>
        <translation>Opnieuw ve&amp;rsturen</translation>
    </message>
    <message>
        <source>Type the number with + and the country code (no default region is set in Settings).</source>
        <translation>Typ het nummer met + en de landcode (in Instellingen is geen standaardregio ingesteld).</translation>
    </message>
    <message>
        <source>Default region: {region}. A number without + and a country code is read as one of this region (change it in Settings).</source>
        <translation>Standaardregio: {region}. Een nummer zonder + en landcode wordt gelezen als een nummer uit deze regio (te wijzigen in Instellingen).</translation>
    </message>
    <message>
        <source>Mo&amp;bile number:</source>
        <translation>&amp;Mobiel nummer:</translation>
    </message>
    <message>
        <source>Sends to {number}</source>
        <translation>Wordt verstuurd naar {number}</translation>
    </message>
    <message>
        <source>Create a link to send any way you like (chat, SMS). It opens Lens on the customer&apos;s phone.</source>
        <translation>Maak een koppeling die u op elke gewenste manier verstuurt (chat, sms). De koppeling opent Lens op de telefoon van de klant.</translation>
    </message>
    <message>
        <source>Create &amp;link</source>
        <translation>Koppeling &amp;maken</translation>
    </message>
    <message>
        <source>C&amp;opy link</source>
        <translation>Koppeling &amp;kopiëren</translation>
    </message>
    <message>
        <source>Create New Session</source>
        <translation>Nieuwe sessie maken</translation>
    </message>
    <message>
        <source>Customer&apos;s name or ticket number</source>
        <translation>Naam van de klant of ticketnummer</translation>
    </message>
    <message>
        <source>&amp;PIN code</source>
        <translation>&amp;Pincode</translation>
    </message>
    <message>
        <source>E&amp;mail</source>
        <translation>&amp;E-mail</translation>
    </message>
    <message>
        <source>&amp;SMS</source>
        <translation>&amp;Sms</translation>
    </message>
    <message>
        <source>Lin&amp;k</source>
        <translation>K&amp;oppeling</translation>
    </message>
    <message>
        <source>Session &amp;type:</source>
        <translation>Sessie&amp;type:</translation>
    </message>
    <message>
        <source>&amp;Name:</source>
        <translation>&amp;Naam:</translation>
    </message>
    <message>
        <source>This Lens server cannot send text messages: no SMS gateway is set up. Ask your administrator, or use the Link tab.</source>
        <translation>Deze Lens-server kan geen sms versturen: er is geen sms-gateway ingesteld. Vraag het uw beheerder, of gebruik het tabblad Koppeling.</translation>
    </message>
    <message>
        <source>Link copied to the clipboard.</source>
        <translation>Koppeling gekopieerd naar het klembord.</translation>
    </message>
    <message>
        <source>Send this link to {name}. It works once.</source>
        <translation>Stuur deze koppeling naar {name}. Hij werkt één keer.</translation>
    </message>
    <message>
        <source>Your email program opened with the invitation. Send it from there.</source>
        <translation>Uw e-mailprogramma is geopend met de uitnodiging. Verzend die vanuit dat programma.</translation>
    </message>
    <message>
        <source>No email program could be opened. Read the PIN to the customer, or use the Link tab next time.</source>
        <translation>Er kon geen e-mailprogramma worden geopend. Lees de pincode voor aan de klant, of gebruik de volgende keer het tabblad Koppeling.</translation>
    </message>
    <message>
        <source>Email written to the server&apos;s outbox for {address}.</source>
        <translation>E-mail voor {address} in het postvak Uit van de server gezet.</translation>
    </message>
    <message>
        <source>Email sent to {address}.</source>
        <translation>E-mail verzonden naar {address}.</translation>
    </message>
    <message>
        <source>The email could not be sent: {reason}. The session and its PIN stay valid: press Retry, or read the PIN to the customer.</source>
        <translation>De e-mail kon niet worden verzonden: {reason}. De sessie en de pincode blijven geldig: klik op Opnieuw proberen, of lees de pincode voor aan de klant.</translation>
    </message>
    <message>
        <source>Text message sent to {number}.</source>
        <translation>Sms verstuurd naar {number}.</translation>
    </message>
    <message>
        <source>The text message could not be sent: {reason}. The session and its PIN stay valid: press Resend, or read the PIN to the customer.</source>
        <translation>De sms kon niet worden verstuurd: {reason}. De sessie en de pincode blijven geldig: klik op Opnieuw versturen, of lees de pincode voor aan de klant.</translation>
    </message>
</context>
<context>
    <name>Phone</name>
    <message>
        <source>Enter the customer&apos;s mobile number.</source>
        <translation>Vul het mobiele nummer van de klant in.</translation>
    </message>
    <message>
        <source>Not a valid phone number: it is too short.</source>
        <translation>Geen geldig telefoonnummer: het is te kort.</translation>
    </message>
    <message>
        <source>Not a valid phone number: it is too long.</source>
        <translation>Geen geldig telefoonnummer: het is te lang.</translation>
    </message>
    <message>
        <source>Not a valid phone number: it has the wrong number of digits.</source>
        <translation>Geen geldig telefoonnummer: het aantal cijfers klopt niet.</translation>
    </message>
    <message>
        <source>Not a valid phone number for its country.</source>
        <translation>Geen geldig telefoonnummer voor dit land.</translation>
    </message>
    <message>
        <source>This is not a mobile number: a text message cannot reach it.</source>
        <translation>Dit is geen mobiel nummer: een sms komt daar niet aan.</translation>
    </message>
    <message>
        <source>Not a valid phone number: its country code is unknown.</source>
        <translation>Geen geldig telefoonnummer: de landcode is onbekend.</translation>
    </message>
    <message>
        <source>Start the number with + and the country code, or choose a default region in Settings.</source>
        <translation>Begin het nummer met + en de landcode, of kies een standaardregio in Instellingen.</translation>
    </message>
    <message>
        <source>Not a valid phone number.</source>
        <translation>Geen geldig telefoonnummer.</translation>
    </message>
</context>
<context>
    <name>Reports</name>
    <message>
        <source>The last day is before the first day.</source>
        <translation>De laatste dag ligt vóór de eerste dag.</translation>
    </message>
    <message>
        <source>Type the technician&apos;s email address.</source>
        <translation>Typ het e-mailadres van de technicus.</translation>
    </message>
    <message>
        <source>Type the group&apos;s name.</source>
        <translation>Typ de naam van de groep.</translation>
    </message>
    <message>
        <source>Ended by technician</source>
        <translation>Beëindigd door technicus</translation>
    </message>
    <message>
        <source>skipped</source>
        <translation>overgeslagen</translation>
    </message>
    <message>
        <source>{rating} of 5</source>
        <translation>{rating} van 5</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Gemaakt</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Naam</translation>
    </message>
    <message>
        <source>Technician</source>
        <translation>Technicus</translation>
    </message>
    <message>
        <source>Group</source>
        <translation>Groep</translation>
    </message>
    <message>
        <source>Method</source>
        <translation>Methode</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Total time</source>
        <translation>Totale tijd</translation>
    </message>
    <message>
        <source>Active</source>
        <translation>Actief</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>In de wacht</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wachttijd</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Rating</source>
        <translation>Beoordeling</translation>
    </message>
    <message>
        <source>Comment</source>
        <translation>Opmerking</translation>
    </message>
    <message>
        <source>Your group is not allowed to view reports. Ask your administrator if you need them (permission: view_reports).</source>
        <translation>Uw groep mag geen rapporten bekijken. Vraag uw beheerder als u ze nodig hebt (recht: view_reports).</translation>
    </message>
    <message>
        <source>Session reports</source>
        <translation>Sessierapporten</translation>
    </message>
    <message>
        <source>Sessions in the report</source>
        <translation>Sessies in het rapport</translation>
    </message>
    <message>
        <source>All technicians</source>
        <translation>Alle technici</translation>
    </message>
    <message>
        <source>One technician</source>
        <translation>Eén technicus</translation>
    </message>
    <message>
        <source>One group</source>
        <translation>Eén groep</translation>
    </message>
    <message>
        <source>&amp;Show</source>
        <translation>&amp;Tonen</translation>
    </message>
    <message>
        <source>&amp;From:</source>
        <translation>&amp;Van:</translation>
    </message>
    <message>
        <source>&amp;To:</source>
        <translation>&amp;Aan:</translation>
    </message>
    <message>
        <source>Sessions &amp;of:</source>
        <translation>Sessies &amp;van:</translation>
    </message>
    <message>
        <source>Working</source>
        <translation>Bezig</translation>
    </message>
    <message>
        <source>Load &amp;more</source>
        <translation>&amp;Meer laden</translation>
    </message>
    <message>
        <source>&amp;Export CSV…</source>
        <translation>CSV &amp;exporteren…</translation>
    </message>
    <message>
        <source>Close</source>
        <translation>Sluiten</translation>
    </message>
    <message>
        <source>technician@example.com</source>
        <translation>technicus@example.com</translation>
    </message>
    <message>
        <source>Group name</source>
        <translation>Groepsnaam</translation>
    </message>
    <message>
        <source>Loading the report…</source>
        <translation>Het rapport wordt geladen…</translation>
    </message>
    <message>
        <source>Saving {file}…</source>
        <translation>{file} wordt opgeslagen…</translation>
    </message>
    <message>
        <source>Could not save {file}: {reason}</source>
        <translation>Kon {file} niet opslaan: {reason}</translation>
    </message>
    <message>
        <source>Saved {file} ({size} KB).</source>
        <translation>{file} opgeslagen ({size} KB).</translation>
    </message>
    <message>
        <source>{count} sessions shown; more with Load more.</source>
        <translation>{count} sessies getoond; meer met Meer laden.</translation>
    </message>
    <message>
        <source>No sessions in this range.</source>
        <translation>Geen sessies in deze periode.</translation>
    </message>
    <message>
        <source>{count} sessions.</source>
        <translation>{count} sessies.</translation>
    </message>
    <message>
        <source>Export CSV</source>
        <translation>CSV exporteren</translation>
    </message>
    <message>
        <source>CSV files (*.csv)</source>
        <translation>CSV-bestanden (*.csv)</translation>
    </message>
</context>
<context>
    <name>ServerClient</name>
    <message>
        <source>the secure connection failed (certificate problem?)</source>
        <translation>de beveiligde verbinding is mislukt (certificaatprobleem?)</translation>
    </message>
    <message>
        <source>the server did not answer in time</source>
        <translation>de server antwoordde niet op tijd</translation>
    </message>
    <message>
        <source>the address is not a valid URL</source>
        <translation>het adres is geen geldige URL</translation>
    </message>
    <message>
        <source>the host name was not found</source>
        <translation>de hostnaam is niet gevonden</translation>
    </message>
    <message>
        <source>the connection was refused</source>
        <translation>de verbinding werd geweigerd</translation>
    </message>
</context>
<context>
    <name>SessionList</name>
    <message>
        <source>Out of date: the console is reconnecting to the server.</source>
        <translation>Verouderd: de console maakt opnieuw verbinding met de server.</translation>
    </message>
    <message>
        <source>Name</source>
        <translation>Naam</translation>
    </message>
    <message>
        <source>Status</source>
        <translation>Status</translation>
    </message>
    <message>
        <source>Connection</source>
        <translation>Verbinding</translation>
    </message>
    <message>
        <source>PIN</source>
        <translation>Pincode</translation>
    </message>
    <message>
        <source>Created</source>
        <translation>Gemaakt</translation>
    </message>
    <message>
        <source>Waiting</source>
        <translation>Wachttijd</translation>
    </message>
</context>
<context>
    <name>SessionTab</name>
    <message>
        <source>Connecting…</source>
        <translation>Verbinden…</translation>
    </message>
    <message>
        <source>Reconnecting…</source>
        <translation>Opnieuw verbinden…</translation>
    </message>
    <message>
        <source>The connection to the customer failed. Waiting for the customer to reconnect…</source>
        <translation>De verbinding met de klant is mislukt. Wachten tot de klant opnieuw verbinding maakt…</translation>
    </message>
    <message>
        <source>The video has ended.</source>
        <translation>De video is gestopt.</translation>
    </message>
    <message>
        <source>On hold</source>
        <translation>In de wacht</translation>
    </message>
    <message>
        <source>No picture from the customer for {seconds} s. Waiting for it to resume…</source>
        <translation>Al {seconds} s geen beeld van de klant. Wachten tot het beeld terugkomt…</translation>
    </message>
    <message>
        <source>The customer paused the camera</source>
        <translation>De klant heeft de camera gepauzeerd</translation>
    </message>
    <message>
        <source>no video</source>
        <translation>geen video</translation>
    </message>
    <message>
        <source>loss {percent:.1f} %</source>
        <translation>verlies {percent:.1f} %</translation>
    </message>
    <message>
        <source>RTT n/a</source>
        <translation>RTT n.v.t.</translation>
    </message>
    <message>
        <source>audio {delay:.0f} ms, {underruns} dropouts</source>
        <translation>audio {delay:.0f} ms, {underruns} haperingen</translation>
    </message>
    <message>
        <source>no audio engine</source>
        <translation>geen audio-engine</translation>
    </message>
    <message>
        <source>Audio unavailable: {reason}</source>
        <translation>Geen geluid: {reason}</translation>
    </message>
    <message>
        <source>Freeze</source>
        <translation>Stilzetten</translation>
    </message>
    <message>
        <source>Freeze the picture for you and the customer, to draw on a still (F)</source>
        <translation>Zet het beeld stil voor u en de klant, om op een stilstaand beeld te tekenen (F)</translation>
    </message>
    <message>
        <source>S&amp;tatistics</source>
        <translation>S&amp;tatistieken</translation>
    </message>
    <message>
        <source>Show live video statistics</source>
        <translation>Live videostatistieken tonen</translation>
    </message>
    <message>
        <source>Mute &amp;mic</source>
        <translation>&amp;Microfoon dempen</translation>
    </message>
    <message>
        <source>Stop sending your microphone</source>
        <translation>Uw microfoon niet meer doorgeven</translation>
    </message>
    <message>
        <source>Mute s&amp;peaker</source>
        <translation>L&amp;uidspreker dempen</translation>
    </message>
    <message>
        <source>Silence the customer</source>
        <translation>De klant niet meer laten horen</translation>
    </message>
    <message>
        <source>Speaker volume</source>
        <translation>Luidsprekervolume</translation>
    </message>
    <message>
        <source>Snapshot</source>
        <translation>Momentopname</translation>
    </message>
    <message>
        <source>Save the picture as a PNG at the camera&apos;s full size, in the folder chosen in Settings</source>
        <translation>Het beeld als PNG op de volle grootte van de camera bewaren, in de map die in Instellingen is gekozen</translation>
    </message>
    <message>
        <source>Snapshots include the drawings (on when pressed)</source>
        <translation>Momentopnamen bevatten de tekeningen (aan als ingedrukt)</translation>
    </message>
    <message>
        <source>Snapshots include the drawings</source>
        <translation>Momentopnamen bevatten de tekeningen</translation>
    </message>
    <message>
        <source>&amp;Volume</source>
        <translation>&amp;Volume</translation>
    </message>
    <message>
        <source>Waiting for statistics…</source>
        <translation>Wachten op statistieken…</translation>
    </message>
    <message>
        <source>Unfreeze</source>
        <translation>Weer live</translation>
    </message>
    <message>
        <source>Keep the drawings?</source>
        <translation>De tekeningen bewaren?</translation>
    </message>
    <message>
        <source>They were drawn on the frozen picture.</source>
        <translation>Ze zijn op het stilgezette beeld getekend.</translation>
    </message>
    <message>
        <source>&amp;Keep</source>
        <translation>&amp;Bewaren</translation>
    </message>
    <message>
        <source>&amp;Clear</source>
        <translation>&amp;Wissen</translation>
    </message>
    <message>
        <source>Snapshot saved: {name}</source>
        <translation>Momentopname bewaard: {name}</translation>
    </message>
    <message>
        <source>Chat</source>
        <translation>Chat</translation>
    </message>
    <message>
        <source>Show or hide the chat with the customer (Ctrl+T)</source>
        <translation>Toon of verberg de chat met de klant (Ctrl+T)</translation>
    </message>
    <message>
        <source>Chat ({count} new)</source>
        <translation>Chat ({count} nieuw)</translation>
    </message>
    <message>
        <source>Record</source>
        <translation>Opnemen</translation>
    </message>
    <message>
        <source>Recording required</source>
        <translation>Opname verplicht</translation>
    </message>
    <message>
        <source>Your technician group records every session: the recording starts by itself when the customer is connected and cannot be stopped. The customer sees that you record.</source>
        <translation>Uw groep neemt elke sessie op: de opname start vanzelf zodra de klant verbonden is en kan niet worden gestopt. De klant ziet dat u opneemt.</translation>
    </message>
    <message>
        <source>Record the customer&apos;s video and both voices to a file (Ctrl+R); the customer sees that you record</source>
        <translation>Neem de video van de klant en beide stemmen op in een bestand (Ctrl+R); de klant ziet dat u opneemt</translation>
    </message>
    <message>
        <source>Your technician group does not allow recording sessions (permission record_sessions).</source>
        <translation>Uw groep mag geen sessies opnemen (recht record_sessions).</translation>
    </message>
    <message>
        <source>Recording</source>
        <translation>Opname</translation>
    </message>
    <message>
        <source>● REC {time}</source>
        <translation>● OPNAME {time}</translation>
    </message>
    <message>
        <source>Recording could not start: the folder {folder} cannot be written ({reason}). Choose another folder in Settings.</source>
        <translation>De opname kon niet starten: in de map {folder} kan niet worden geschreven ({reason}). Kies een andere map in Instellingen.</translation>
    </message>
    <message>
        <source>Recording stopped: {reason}. What was recorded until then is saved in {file}.</source>
        <translation>De opname is gestopt: {reason}. Wat tot dan is opgenomen, staat in {file}.</translation>
    </message>
</context>
<context>
    <name>SettingsDialog</name>
    <message>
        <source>System default</source>
        <translation>Systeemstandaard</translation>
    </message>
    <message>
        <source>Reply {number} is too long ({count} characters; at most {limit}).</source>
        <translation>Antwoord {number} is te lang ({count} tekens; hoogstens {limit}).</translation>
    </message>
    <message>
        <source>Lens Settings</source>
        <translation>Lens-instellingen</translation>
    </message>
    <message>
        <source>The console shows the new language after you restart it.</source>
        <translation>De console toont de nieuwe taal nadat u hem opnieuw hebt gestart.</translation>
    </message>
    <message>
        <source>&amp;Microphone:</source>
        <translation>&amp;Microfoon:</translation>
    </message>
    <message>
        <source>&amp;Speaker:</source>
        <translation>&amp;Luidspreker:</translation>
    </message>
    <message>
        <source>&amp;Language:</source>
        <translation>&amp;Taal:</translation>
    </message>
    <message>
        <source>Chat replies</source>
        <translation>Chatantwoorden</translation>
    </message>
    <message>
        <source>Replies to pick in a session&apos;s chat, one per line</source>
        <translation>Antwoorden om te kiezen in de chat van een sessie, één per regel</translation>
    </message>
    <message>
        <source>Restore &amp;defaults</source>
        <translation>&amp;Standaard herstellen</translation>
    </message>
    <message>
        <source>One reply per line. In a session, pick one to edit it before sending.</source>
        <translation>Eén antwoord per regel. Kies er in een sessie een om het aan te passen voordat u het verstuurt.</translation>
    </message>
    <message>
        <source>Recordings</source>
        <translation>Opnamen</translation>
    </message>
    <message>
        <source>Recordings folder</source>
        <translation>Map voor opnamen</translation>
    </message>
    <message>
        <source>Recordings of sessions are saved in this folder</source>
        <translation>Opnamen van sessies worden in deze map bewaard</translation>
    </message>
    <message>
        <source>C&amp;hoose…</source>
        <translation>K&amp;iezen…</translation>
    </message>
    <message>
        <source>Save recordings &amp;in:</source>
        <translation>Opnamen bewaren &amp;in:</translation>
    </message>
    <message>
        <source>Snapshots</source>
        <translation>Momentopnamen</translation>
    </message>
    <message>
        <source>Created when the first snapshot is saved</source>
        <translation>Wordt gemaakt bij de eerste momentopname</translation>
    </message>
    <message>
        <source>&amp;Browse…</source>
        <translation>&amp;Bladeren…</translation>
    </message>
    <message>
        <source>Save in &amp;folder:</source>
        <translation>Bewaren in &amp;map:</translation>
    </message>
    <message>
        <source>Folder for snapshots</source>
        <translation>Map voor momentopnamen</translation>
    </message>
    <message>
        <source>Text messages (SMS)</source>
        <translation>Sms-berichten</translation>
    </message>
    <message>
        <source>None: numbers start with + and the country code</source>
        <translation>Geen: nummers beginnen met + en de landcode</translation>
    </message>
    <message>
        <source>Default &amp;region:</source>
        <translation>Standaard&amp;regio:</translation>
    </message>
    <message>
        <source>A phone number typed without + and a country code is read as a number of this region.</source>
        <translation>Een telefoonnummer zonder + en landcode wordt gelezen als een nummer uit deze regio.</translation>
    </message>
</context>
<context>
    <name>SignInDialog</name>
    <message>
        <source>Sign in to Lens</source>
        <translation>Aanmelden bij Lens</translation>
    </message>
    <message>
        <source>you@example.com</source>
        <translation>uw.naam@example.com</translation>
    </message>
    <message>
        <source>&amp;Remember me on this computer</source>
        <translation>Aangemeld &amp;blijven op deze computer</translation>
    </message>
    <message>
        <source>&amp;Sign in</source>
        <translation>&amp;Aanmelden</translation>
    </message>
    <message>
        <source>Ser&amp;ver:</source>
        <translation>&amp;Server:</translation>
    </message>
    <message>
        <source>&amp;Email:</source>
        <translation>&amp;E-mail:</translation>
    </message>
    <message>
        <source>&amp;Password:</source>
        <translation>&amp;Wachtwoord:</translation>
    </message>
    <message>
        <source>Too many attempts. Try again in {seconds} s.</source>
        <translation>Te veel pogingen. Probeer het over {seconds} s opnieuw.</translation>
    </message>
</context>
<context>
    <name>Snapshots</name>
    <message>
        <source>The snapshot was not saved: the folder {path} cannot be created or written to ({detail}). Choose another folder in Settings.</source>
        <translation>De momentopname is niet bewaard: de map {path} kan niet worden gemaakt of beschreven ({detail}). Kies een andere map in Instellingen.</translation>
    </message>
    <message>
        <source>The snapshot was not saved: the disk is full ({path}). Free some space or choose another folder in Settings.</source>
        <translation>De momentopname is niet bewaard: de schijf is vol ({path}). Maak ruimte vrij of kies een andere map in Instellingen.</translation>
    </message>
    <message>
        <source>The snapshot was not saved: too many snapshots are named like {path}.</source>
        <translation>De momentopname is niet bewaard: er zijn te veel momentopnamen met een naam als {path}.</translation>
    </message>
    <message>
        <source>The snapshot was not saved to {path} ({detail}).</source>
        <translation>De momentopname is niet bewaard in {path} ({detail}).</translation>
    </message>
    <message>
        <source>Snapshots of this session</source>
        <translation>Momentopnamen van deze sessie</translation>
    </message>
    <message>
        <source>&amp;Open</source>
        <translation>&amp;Openen</translation>
    </message>
    <message>
        <source>Open the snapshot (Enter)</source>
        <translation>De momentopname openen (Enter)</translation>
    </message>
    <message>
        <source>&amp;Copy</source>
        <translation>&amp;Kopiëren</translation>
    </message>
    <message>
        <source>Copy the snapshot as a picture (Ctrl+C)</source>
        <translation>De momentopname als afbeelding kopiëren (Ctrl+C)</translation>
    </message>
    <message>
        <source>Show in &amp;folder</source>
        <translation>In &amp;map tonen</translation>
    </message>
    <message>
        <source>Open the folder the snapshot is in</source>
        <translation>De map met de momentopname openen</translation>
    </message>
    <message>
        <source>The snapshot {path} is no longer there.</source>
        <translation>De momentopname {path} is er niet meer.</translation>
    </message>
</context>
<context>
    <name>Timeouts</name>
    <message>
        <source>The session with {name} expired: the PIN and link were not used within {length}.</source>
        <translation>De sessie met {name} is verlopen: de pincode en link zijn niet binnen {length} gebruikt.</translation>
    </message>
    <message>
        <source>The session with {name} timed out: the customer joined but did not accept the licence within {length}.</source>
        <translation>De sessie met {name} is verlopen: de klant deed mee maar accepteerde de licentie niet binnen {length}.</translation>
    </message>
    <message>
        <source>The session with {name} timed out: it waited {length} without being started.</source>
        <translation>De sessie met {name} is verlopen: ze wachtte {length} zonder te worden gestart.</translation>
    </message>
    <message>
        <source>The session with {name} timed out: no video and no action for {length}.</source>
        <translation>De sessie met {name} is verlopen: {length} geen beeld en geen handeling.</translation>
    </message>
    <message>
        <source>The session with {name} timed out: the customer did not come back within {length}.</source>
        <translation>De sessie met {name} is verlopen: de klant kwam niet binnen {length} terug.</translation>
    </message>
    <message>
        <source>Waiting, times out in {left}</source>
        <translation>Wacht, verloopt over {left}</translation>
    </message>
    <message>
        <source>The customer has waited long. Start the session, or it ends by itself after {length} of waiting.</source>
        <translation>De klant wacht al lang. Start de sessie, anders stopt ze vanzelf na {length} wachten.</translation>
    </message>
    <message>
        <source>No video and no action: this session ends in {left} unless you use it.</source>
        <translation>Geen beeld en geen handeling: deze sessie stopt over {left} tenzij u haar gebruikt.</translation>
    </message>
    <message>
        <source>1 hour</source>
        <translation>1 uur</translation>
    </message>
    <message>
        <source>{count} hours</source>
        <translation>{count} uur</translation>
    </message>
    <message>
        <source>1 minute</source>
        <translation>1 minuut</translation>
    </message>
    <message>
        <source>{count} minutes</source>
        <translation>{count} minuten</translation>
    </message>
    <message>
        <source>1 second</source>
        <translation>1 seconde</translation>
    </message>
    <message>
        <source>{count} seconds</source>
        <translation>{count} seconden</translation>
    </message>
</context>
<context>
    <name>TransferDialog</name>
    <message>
        <source>Choose the colleague to transfer to.</source>
        <translation>Kies de collega aan wie u wilt overdragen.</translation>
    </message>
    <message>
        <source>The comment is too long (500 characters).</source>
        <translation>De opmerking is te lang (500 tekens).</translation>
    </message>
    <message>
        <source>online</source>
        <translation>verbonden</translation>
    </message>
    <message>
        <source>offline</source>
        <translation>niet verbonden</translation>
    </message>
    <message>
        <source>, busy</source>
        <translation>, bezet</translation>
    </message>
    <message>
        <source>Incoming from {name}</source>
        <translation>Inkomend van {name}</translation>
    </message>
    <message>
        <source>Transferring to {name}</source>
        <translation>Overdragen aan {name}</translation>
    </message>
    <message>
        <source>Transfer session</source>
        <translation>Sessie overdragen</translation>
    </message>
    <message>
        <source>Hand the session with {name} to a colleague. They see your comment and accept or decline; until then the session stays with you.</source>
        <translation>Draag de sessie met {name} over aan een collega. Die ziet uw opmerking en accepteert of weigert; tot dan blijft de sessie bij u.</translation>
    </message>
    <message>
        <source>Name or email address</source>
        <translation>Naam of e-mailadres</translation>
    </message>
    <message>
        <source>Colleagues</source>
        <translation>Collega&apos;s</translation>
    </message>
    <message>
        <source>What the customer needs, what you tried</source>
        <translation>Wat de klant nodig heeft, wat u al hebt geprobeerd</translation>
    </message>
    <message>
        <source>&amp;Transfer</source>
        <translation>&amp;Overdragen</translation>
    </message>
    <message>
        <source>&amp;Search:</source>
        <translation>&amp;Zoeken:</translation>
    </message>
    <message>
        <source>C&amp;olleague:</source>
        <translation>&amp;Collega:</translation>
    </message>
    <message>
        <source>&amp;Comment:</source>
        <translation>Op&amp;merking:</translation>
    </message>
    <message>
        <source>No colleague found.</source>
        <translation>Geen collega gevonden.</translation>
    </message>
    <message>
        <source>&amp;Accept</source>
        <translation>&amp;Accepteren</translation>
    </message>
    <message>
        <source>&amp;Decline</source>
        <translation>&amp;Weigeren</translation>
    </message>
    <message>
        <source>Incoming transfer from {sender}: the session with {name}.</source>
        <translation>Inkomende overdracht van {sender}: de sessie met {name}.</translation>
    </message>
    <message>
        <source>Comment: {comment}</source>
        <translation>Opmerking: {comment}</translation>
    </message>
    <message>
        <source>{count} more waiting.</source>
        <translation>Nog {count} wachtend.</translation>
    </message>
    <message>
        <source>Cancel transf&amp;er</source>
        <translation>Over&amp;dracht annuleren</translation>
    </message>
    <message>
        <source>Transf&amp;er…</source>
        <translation>Over&amp;dragen…</translation>
    </message>
    <message>
        <source>Your group is not allowed to transfer sessions.</source>
        <translation>Uw groep mag geen sessies overdragen.</translation>
    </message>
    <message>
        <source>A colleague is invited into this session or in it: remove them before you transfer it.</source>
        <translation>Er is een collega uitgenodigd voor deze sessie of erbij: verwijder die voordat u de sessie overdraagt.</translation>
    </message>
    <message>
        <source>Take the transfer back before it is answered</source>
        <translation>Trek de overdracht in voordat die beantwoord is</translation>
    </message>
    <message>
        <source>Hand this session to a colleague, with a comment</source>
        <translation>Draag deze sessie over aan een collega, met een opmerking</translation>
    </message>
</context>
<context>
    <name>Validation</name>
    <message>
        <source>Enter the customer&apos;s name or another way to recognise the session.</source>
        <translation>Vul de naam van de klant in, of iets anders waaraan u de sessie herkent.</translation>
    </message>
    <message>
        <source>The name is too long ({length} characters; at most {maximum}).</source>
        <translation>De naam is te lang ({length} tekens; maximaal {maximum}).</translation>
    </message>
    <message>
        <source>The name may contain only printable characters (no line breaks or tabs).</source>
        <translation>De naam mag alleen afdrukbare tekens bevatten (geen regeleinden of tabs).</translation>
    </message>
    <message>
        <source>Enter the customer&apos;s email address.</source>
        <translation>Vul het e-mailadres van de klant in.</translation>
    </message>
    <message>
        <source>Not a valid email address: {reason}</source>
        <translation>Geen geldig e-mailadres: {reason}</translation>
    </message>
    <message>
        <source>Not a valid email address.</source>
        <translation>Geen geldig e-mailadres.</translation>
    </message>
    <message>
        <source>Enter the address of your Lens server, for example https://lens.example.com.</source>
        <translation>Vul het adres van uw Lens-server in, bijvoorbeeld https://lens.example.com.</translation>
    </message>
    <message>
        <source>The server address must start with https:// (or http:// on a test setup).</source>
        <translation>Het serveradres moet beginnen met https:// (of http:// bij een testopstelling).</translation>
    </message>
    <message>
        <source>The server address has an invalid port.</source>
        <translation>Het serveradres bevat een ongeldige poort.</translation>
    </message>
    <message>
        <source>The server address needs a host name, for example https://lens.example.com.</source>
        <translation>Het serveradres moet een hostnaam bevatten, bijvoorbeeld https://lens.example.com.</translation>
    </message>
    <message>
        <source>Enter the email address you sign in with.</source>
        <translation>Vul het e-mailadres in waarmee u zich aanmeldt.</translation>
    </message>
    <message>
        <source>That does not look like an email address.</source>
        <translation>Dat lijkt geen e-mailadres.</translation>
    </message>
    <message>
        <source>Enter your password.</source>
        <translation>Vul uw wachtwoord in.</translation>
    </message>
</context>
<context>
    <name>VideoPane</name>
    <message>
        <source>Frozen</source>
        <translation>Stilgezet</translation>
    </message>
</context>
<context>
    <name>ViewControls</name>
    <message>
        <source>Fit</source>
        <translation>Passend</translation>
    </message>
    <message>
        <source>Actual size</source>
        <translation>Ware grootte</translation>
    </message>
    <message>
        <source>Stretch</source>
        <translation>Uitrekken</translation>
    </message>
    <message>
        <source>View: Fit shows the whole picture, Actual size a camera pixel per screen pixel, Stretch fills the area</source>
        <translation>Weergave: Passend toont het hele beeld, Ware grootte een camerapixel per schermpixel, Uitrekken vult het vlak</translation>
    </message>
    <message>
        <source>View</source>
        <translation>Weergave</translation>
    </message>
    <message>
        <source>Zoom in</source>
        <translation>Inzoomen</translation>
    </message>
    <message>
        <source>Zoom in (or turn the mouse wheel over the picture)</source>
        <translation>Inzoomen (of draai het muiswiel boven het beeld)</translation>
    </message>
    <message>
        <source>Zoom out</source>
        <translation>Uitzoomen</translation>
    </message>
    <message>
        <source>Fit at 100 %</source>
        <translation>Passend op 100 %</translation>
    </message>
    <message>
        <source>Back to Fit at 100 %</source>
        <translation>Terug naar Passend op 100 %</translation>
    </message>
    <message>
        <source>Full screen</source>
        <translation>Volledig scherm</translation>
    </message>
    <message>
        <source>Show the picture full screen; Esc leaves it</source>
        <translation>Het beeld op volledig scherm tonen; Esc keert terug</translation>
    </message>
    <message>
        <source>Zoom: the mouse wheel over the picture, + and -; Ctrl+0 back to Fit at 100 %. Drag a picture larger than the area to move it (with the middle button while drawing)</source>
        <translation>Zoom: het muiswiel boven het beeld, + en -; Ctrl+0 terug naar Passend op 100 %. Versleep een beeld dat groter is dan het vlak om het te verschuiven (met de middelste knop tijdens het tekenen)</translation>
    </message>
    <message>
        <source>Zoom {zoom}</source>
        <translation>Zoomfactor {zoom}</translation>
    </message>
</context>
</TS>
