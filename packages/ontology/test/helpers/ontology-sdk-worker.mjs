// Answers ontology-ts-sdk questions for the tests in plain Node: under Jest's module runtime the
// SDK's elliptic-curve code runs some hundred times slower (0.7 s a verify). Reads a JSON array of
// requests on stdin, writes a JSON array of answers on stdout.
import Ont from 'ontology-ts-sdk';

// Only the default import works under ESM (STACK.md).
const { Address, PublicKey, PrivateKey, Signature, SignatureScheme } = Ont.Crypto;
const hexOf = (text) => Buffer.from(text, 'utf8').toString('hex');

const operations = {
  addressOfKey: ({ publicKey }) => Address.fromPubKey(new PublicKey(publicKey)).toBase58(),
  didOfKey: ({ publicKey }) => Address.generateOntid(new PublicKey(publicKey)),
  addressOfDid: ({ did }) => Address.fromOntid(did).toBase58(),
  verify: ({ publicKey, text, sig }) => new PublicKey(publicKey).verify(hexOf(text), Signature.deserializeHex(sig)),
  // `didPlaceholder` in a text becomes the new key's DID before signing: an envelope signs its owner.
  signWithNewKey: ({ texts, didPlaceholder }) => {
    const privateKey = PrivateKey.random();
    const publicKey = privateKey.getPublicKey();
    const did = Address.generateOntid(publicKey);
    const signed = texts.map((text) => (didPlaceholder ? text.replaceAll(didPlaceholder, did) : text));
    return {
      publicKey: publicKey.serializeHex(),
      did,
      texts: signed,
      sigs: signed.map((text) => privateKey.sign(hexOf(text), SignatureScheme.ECDSAwithSHA256).serializeHex()),
    };
  },
};

let input = '';
for await (const chunk of process.stdin) input += chunk;
const answers = JSON.parse(input).map(({ op, ...args }) => {
  try {
    return { value: operations[op](args) };
  } catch (error) {
    return { error: String(error) };
  }
});
process.stdout.write(JSON.stringify(answers));
