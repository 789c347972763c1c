// s3rver ships no type declarations; the tests use it through test/support/s3rver.ts only.
declare module "s3rver" {
  const S3rver: any;
  export default S3rver;
}
